using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using RnnGen.Generator.Tests.Infrastructure;
using RnnGen.IO;

namespace RnnGen.Generator.Tests;

/// <summary>
/// When a weight file does not fit the model, LoadWeights names a declaration that does: pasted into a project, it
/// loads the file. Checked as a user would: each kind of file the project writes is saved from a compiled model,
/// loaded into one it does not fit, and the declaration from the message is compiled with the generator, loaded
/// and given the file.
/// </summary>
public class FittingDeclarationTests
{
    /// <summary>Every kind of file: token and dense, cross-entropy and squared error, LastStep, layers, directions, projection, double.</summary>
    private static readonly string[] Kinds =
    {
        "Hidden = 6, Vocab = 9, Truncate = 2, MaxSteps = 10",
        "Hidden = 5, Vocab = 7, Output = 4, Cell = CellType.Lstm",
        "Hidden = 4, Input = 3, Output = 2, Cell = CellType.Gru, Loss = Loss.SquaredError",
        "Hidden = 4, Input = 3, Output = 5, Outputs = Outputs.LastStep",
        "Hidden = 4, Vocab = 6, Output = 3, Cell = CellType.Lstm, Loss = Loss.SquaredError, Outputs = Outputs.LastStep",
        "Hidden = 5, Vocab = 6, Output = 3, Cell = CellType.Gru, Layers = 3, Dropout = 0.3",
        "Hidden = 4, Input = 3, Output = 2, Cell = CellType.Lstm, Layers = 2, Bidirectional = true, Loss = Loss.SquaredError",
        "Hidden = 6, Input = 3, Output = 2, Cell = CellType.Lstm, Projection = 3, Layers = 2, Loss = Loss.SquaredError",
        "Hidden = 6, Vocab = 5, Cell = CellType.Lstm, Projection = 2, Bidirectional = true, Outputs = Outputs.LastStep",
        "Hidden = 5, Vocab = 7, MaxSteps = 12, Precision = Precision.Double, Activation = Activation.Relu",
        "Hidden = 5, Input = 2, Output = 4, Recurrence = Recurrence.Output, Loss = Loss.SquaredError, Precision = Precision.Double",
    };

    /// <summary>A model no file above fits: the message must come from the file alone.</summary>
    private const string Other = "Hidden = 3, Vocab = 4, Cell = CellType.Gru";

    [Fact]
    public void TheSuggestedDeclarationLoadsEveryKindOfFile()
    {
        // Round 1: the models that write the files, a model none of them fits, and for each one a model that differs
        // only in Hidden (a shape mismatch, with the same input kind, loss and Outputs as the file's).
        var sources = new StringBuilder("using RnnGen;\nnamespace Files;\n");
        sources.Append($"[RnnModel({Other})] public partial class Other {{ }}\n");
        for (int i = 0; i < Kinds.Length; i++)
        {
            sources.Append($"[RnnModel({Kinds[i]})] public partial class Source{i} {{ }}\n");
            sources.Append($"[RnnModel({WiderHidden(Kinds[i])})] public partial class Wider{i} {{ }}\n");
        }

        Assembly first = Compile(sources.ToString());
        var files = new byte[Kinds.Length][];
        var hints = new List<(int Kind, bool Recorded, string Declaration, string Message)>();
        for (int i = 0; i < Kinds.Length; i++)
        {
            object source = Create(first, $"Files.Source{i}");
            Call(source, "Initialize", 100 + i);
            files[i] = Save(source);

            // A file RnnGen wrote records its declaration: any model that does not fit names it.
            string message = LoadFails(Create(first, "Files.Other"), files[i]);
            hints.Add((i, true, Hint(message), message));

            // The same tensors without __metadata__, as PyTorch writes them: the shapes speak, this model says the rest.
            string stripped = LoadFails(Create(first, $"Files.Wider{i}"), WithoutMetadata(files[i]));
            hints.Add((i, false, Hint(stripped), stripped));
        }

        // Round 2: the suggested declarations, pasted.
        var pasted = new StringBuilder("using RnnGen;\nnamespace Hints;\n");
        for (int h = 0; h < hints.Count; h++)
        {
            pasted.Append(hints[h].Declaration).Append($" public partial class Hint{h} {{ }}\n");
        }

        Assembly second = Compile(pasted.ToString());
        for (int h = 0; h < hints.Count; h++)
        {
            (int kind, bool recorded, string declaration, string message) = hints[h];
            byte[] file = recorded ? files[kind] : WithoutMetadata(files[kind]);
            object model = Create(second, $"Hints.Hint{h}");
            try
            {
                Call(model, "LoadWeights", new MemoryStream(file));
            }
            catch (TargetInvocationException e)
            {
                Assert.Fail($"{Kinds[kind]} ({(recorded ? "with" : "without")} metadata): {declaration} does not load the file: {e.InnerException!.Message}\nThe message was: {message}");
            }

            // The same tensors come back out.
            Assert.True(Data(files[kind]).SequenceEqual(Data(Save(model))), $"{Kinds[kind]}: {declaration} loaded other values");
        }

        // A file RnnGen wrote is named by its own declaration, the training settings included.
        Assert.Equal("[RnnModel(Hidden = 6, Vocab = 9, Output = 9, Truncate = 2, MaxSteps = 10)]", hints[0].Declaration);
        Assert.Equal("[RnnModel(Hidden = 4, Input = 3, Output = 2, Cell = CellType.Gru, Loss = Loss.SquaredError)]", hints[4].Declaration);
        Assert.Equal("[RnnModel(Hidden = 6, Vocab = 5, Output = 5, Cell = CellType.Lstm, Outputs = Outputs.LastStep, Bidirectional = true, Projection = 2)]", hints[16].Declaration);
        // Without metadata, what the tensors show (precision from the dtype) and what the loading model says.
        Assert.Equal("[RnnModel(Hidden = 5, Input = 2, Output = 4, Loss = Loss.SquaredError, Recurrence = Recurrence.Output, Precision = Precision.Double)]", hints[21].Declaration);
    }

    /// <summary>The same options with Hidden + 1: the file's shapes do not fit it, its kind of model does.</summary>
    private static string WiderHidden(string kind) =>
        Regex.Replace(kind, @"Hidden = (\d+)", m => $"Hidden = {int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) + 1}");

    private static string Hint(string message)
    {
        Match match = Regex.Match(message, @"The file fits (\[RnnModel\(.*?\)\])\.");
        Assert.True(match.Success, "no declaration in: " + message);
        return match.Groups[1].Value;
    }

    private static Assembly Compile(string source)
    {
        (GeneratorDriverRunResult result, Compilation output) = GeneratorRunner.Run(source);
        Assert.True(result.Diagnostics.IsEmpty, string.Join("\n", result.Diagnostics));
        return GeneratorRunner.Load(output);
    }

    private static object Create(Assembly assembly, string type) => Activator.CreateInstance(assembly.GetType(type, throwOnError: true)!)!;

    private static object? Call(object model, string method, params object[] arguments) =>
        model.GetType().GetMethod(method, arguments.Select(a => a is Stream ? typeof(Stream) : a.GetType()).ToArray())!.Invoke(model, arguments);

    private static byte[] Save(object model)
    {
        var stream = new MemoryStream();
        Call(model, "SaveWeights", stream);
        return stream.ToArray();
    }

    private static string LoadFails(object model, byte[] file)
    {
        var e = Assert.Throws<TargetInvocationException>(() => Call(model, "LoadWeights", new MemoryStream(file)));
        Assert.True(e.InnerException is InvalidDataException, e.InnerException?.ToString());
        return e.InnerException!.Message;
    }

    /// <summary>The data buffer: every tensor's bytes, in the file's order.</summary>
    private static byte[] Data(byte[] file)
    {
        SafeTensorsHeader header = SafeTensorsHeader.Read(new MemoryStream(file));
        return file.AsSpan((int)header.DataStart).ToArray();
    }

    /// <summary>The file as PyTorch's safetensors.torch.save_file writes it by default: the same tensors, no __metadata__.</summary>
    private static byte[] WithoutMetadata(byte[] file)
    {
        SafeTensorsHeader header = SafeTensorsHeader.Read(new MemoryStream(file));
        var output = new MemoryStream();
        var writer = new SafeTensorsWriter(output);
        foreach (SafeTensorInfo tensor in header.Tensors)
        {
            writer.AddTensor(tensor.Name, tensor.DType, tensor.Shape.AsSpan());
        }

        writer.WriteHeader();
        writer.WriteData(file.AsSpan((int)header.DataStart));
        writer.Complete();
        return output.ToArray();
    }
}
