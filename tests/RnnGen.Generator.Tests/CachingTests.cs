using System;
using System.Collections;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using RnnGen.Generator.Tests.Infrastructure;

namespace RnnGen.Generator.Tests;

/// <summary>
/// Incrementality: edits that do not touch a model declaration regenerate nothing, and the
/// pipeline never holds symbols, syntax nodes or compilations (which would defeat caching and
/// keep old compilations alive in the IDE).
/// </summary>
public class CachingTests
{
    private const string Model = """
        using RnnGen;
        namespace Demo;
        [RnnModel(Hidden = 8, Vocab = 10, Truncate = 2, MaxSteps = 6)]
        public partial class Small
        {
            public int Helper() => 1;
        }
        """;

    private const string Other = "namespace Demo; public class Unrelated { public int X() => 1; }";

    private static readonly string[] TrackedSteps = { "Parsed", "Diagnostics", "Models" };

    [Fact]
    public void EditInAnotherFileRegeneratesNothing()
    {
        CSharpCompilation first = GeneratorRunner.Compilation(Model, Other);
        CSharpCompilation second = Replace(first, 1, Other.Replace("=> 1", "=> 2"));
        AssertSecondRunCached(first, second);
    }

    [Fact]
    public void EditInAnotherFileRegeneratesNothingForAnInvalidModel()
    {
        // An invalid declaration's members (bodies that throw) are cached like a model, and so are its diagnostics:
        // they compare by what they say and where (the same tree, the same span), not by reference.
        CSharpCompilation first = GeneratorRunner.Compilation(Model.Replace("Hidden = 8", "Hidden = 0"), Other);
        CSharpCompilation second = Replace(first, 1, Other.Replace("=> 1", "=> 2"));
        AssertSecondRunCached(first, second, "Parsed", "Diagnostics", "Surfaces");
    }

    [Fact]
    public void EditOfAMethodInTheModelClassRegeneratesNothing()
    {
        CSharpCompilation first = GeneratorRunner.Compilation(Model, Other);
        CSharpCompilation second = Replace(first, 0, Model.Replace("Helper() => 1", "Helper() => 41 + 1"));
        AssertSecondRunCached(first, second);
    }

    [Fact]
    public void EditOfTheAttributeRegenerates()
    {
        CSharpCompilation first = GeneratorRunner.Compilation(Model, Other);
        GeneratorDriver driver = GeneratorRunner.Driver().RunGenerators(first);
        GeneratorRunResult result = driver.RunGenerators(Replace(first, 0, Model.Replace("Hidden = 8", "Hidden = 9"))).GetRunResult().Results.Single();
        Assert.Contains(result.TrackedSteps["Models"].SelectMany(s => s.Outputs), o => o.Reason == IncrementalStepRunReason.Modified);
        Assert.Contains("Hidden = 9;", result.GeneratedSources.Single().SourceText.ToString());
    }

    private static void AssertSecondRunCached(CSharpCompilation first, CSharpCompilation second, params string[] steps)
    {
        GeneratorDriver driver = GeneratorRunner.Driver().RunGenerators(first);
        GeneratorRunResult run1 = driver.GetRunResult().Results.Single();
        GeneratorRunResult run2 = driver.RunGenerators(second).GetRunResult().Results.Single();

        Assert.Single(run2.GeneratedSources);
        foreach (string step in steps.Length > 0 ? steps : TrackedSteps)
        {
            Assert.True(run2.TrackedSteps.ContainsKey(step), $"step {step} was not tracked");
            foreach (IncrementalGeneratorRunStep runStep in run2.TrackedSteps[step])
            {
                foreach ((object value, IncrementalStepRunReason reason) in runStep.Outputs)
                {
                    Assert.True(reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{step}: {reason}");

                    AssertNoCompilationObjects(value, step);
                }
            }
        }

        // The source output itself must not run again.
        foreach (var output in run2.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs))
        {
            Assert.True(output.Reason == IncrementalStepRunReason.Cached, $"an output ran again: {output.Reason}");
        }

        Assert.Equal(run1.GeneratedSources.Single().SourceText.ToString(), run2.GeneratedSources.Single().SourceText.ToString());
    }

    private static CSharpCompilation Replace(CSharpCompilation compilation, int index, string text)
    {
        SyntaxTree old = compilation.SyntaxTrees[index];
        return compilation.ReplaceSyntaxTree(old, CSharpSyntaxTree.ParseText(text, GeneratorRunner.ParseOptions, old.FilePath));
    }

    /// <summary>Walks an output's object graph. Diagnostics are leaves: they hold real source locations on purpose.</summary>
    private static void AssertNoCompilationObjects(object root, string step)
    {
        var seen = new HashSet<object>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<object>();
        stack.Push(root);
        while (stack.Count > 0)
        {
            object node = stack.Pop();
            if (!seen.Add(node))
            {
                continue;
            }

            Assert.False(node is Compilation or ISymbol or SyntaxNode or SemanticModel, $"{step} holds a {node.GetType().Name}");
            Type type = node.GetType();
            if (type.IsPrimitive || type.IsEnum || node is string or Diagnostic)
            {
                continue;
            }

            if (node is IEnumerable items)
            {
                foreach (object? item in items)
                {
                    if (item is not null) stack.Push(item);
                }

                continue;
            }

            foreach (FieldInfo field in type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
            {
                if (field.GetValue(node) is { } value) stack.Push(value);
            }
        }
    }
}
