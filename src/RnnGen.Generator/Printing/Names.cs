using System;
using System.Collections.Generic;
using Microsoft.CodeAnalysis.CSharp;
using RnnGen.Generator.Model;
using RnnGen.Generator.Plan;

namespace RnnGen.Generator.Printing;

/// <summary>How generated source names things: escaped identifiers, the model and network classes, the GeneratedCode attribute.</summary>
internal static class Names
{
    public static readonly string GeneratedCode = $"[global::System.CodeDom.Compiler.GeneratedCode(\"RnnGen\", \"{Declaration.Version}\")]";

    /// <summary>An identifier, escaped with '@' when it is a keyword.</summary>
    public static string Identifier(string name) =>
        SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None || SyntaxFacts.GetContextualKeywordKind(name) == SyntaxKind.UnderscoreToken
            ? "@" + name
            : name;

    /// <summary>A dotted name (namespace) with each part escaped.</summary>
    public static string DottedIdentifier(string name) => string.Join(".", Array.ConvertAll(name.Split('.'), Identifier));

    /// <summary>The file-local class that holds a model's constants and code.</summary>
    public static string NetworkClass(ModelSpec spec) => Identifier(spec.Type.Name) + "Network";

    /// <summary>How the model class refers to <see cref="NetworkClass"/>.</summary>
    public static string NetworkReference(ModelSpec spec) => "global::RnnGen.Generated." + NetworkClass(spec);

    /// <summary>The model type as C# source: <c>global::</c>-qualified, keywords escaped.</summary>
    public static string ModelReference(TypeSpec type)
    {
        var parts = new List<string>();
        if (type.Namespace is not null)
        {
            parts.Add(DottedIdentifier(type.Namespace));
        }

        foreach (ContainingTypeSpec container in type.ContainingTypes)
        {
            parts.Add(Identifier(container.Name));
        }

        parts.Add(Identifier(type.Name));
        return "global::" + string.Join(".", parts);
    }
}
