using System.Collections.Generic;
using System.Linq;

namespace RnnGen.Generator.Api;

/// <summary>What kind of member a generated model declares.</summary>
internal enum MemberKind { Constant, Field, Property, Method, Constructor, Struct }

/// <summary>A parameter of a generated method: its fully qualified type, name, modifier (ref, out) and default value.</summary>
internal sealed record ApiParameter(string Type, string Name, string Modifier = "", string? Default = null)
{
    public string Print() => (Modifier.Length > 0 ? Modifier + " " : "") + Type + " " + Name + (Default is null ? "" : " = " + Default);

    /// <summary>
    /// How a user member's parameter with this signature prints (SymbolDisplayFormat.FullyQualifiedFormat): its type
    /// without a nullable annotation, which that format omits (no generated parameter is a nullable value type), and
    /// "ref " for any by-reference kind, since C# cannot overload on ref versus out.
    /// </summary>
    public string Key => (Modifier.Length > 0 ? "ref " : "") + Type.TrimEnd('?');
}

/// <summary>
/// One member the generator writes into a model's class, as a description: the API printer writes it, the parser
/// checks user members against its name and parameters (a clash is an error, not broken generated code), and the
/// surface of an invalid declaration writes its public members with bodies that throw. One description, so the three
/// cannot drift apart.
/// </summary>
/// <param name="Kind">What the member is.</param>
/// <param name="Name">Its name (".ctor" for the constructor).</param>
/// <param name="Type">The constant's, field's or property's type, or the method's return type ("" for a constructor).</param>
/// <param name="Docs">XML documentation lines, each starting with "///".</param>
internal sealed record ApiMember(MemberKind Kind, string Name, string Type, IReadOnlyList<string> Docs)
{
    /// <summary>public, private, or "" for an explicit interface implementation.</summary>
    public string Access { get; init; } = "public";

    /// <summary>Modifiers after the access: readonly, static.</summary>
    public string Modifiers { get; init; } = "";

    /// <summary>The interface an explicit implementation belongs to, or null.</summary>
    public string? Explicit { get; init; }

    /// <summary>A method's parameters.</summary>
    public IReadOnlyList<ApiParameter> Parameters { get; init; } = new ApiParameter[0];

    /// <summary>Attribute lines before the declaration.</summary>
    public IReadOnlyList<string> Attributes { get; init; } = new string[0];

    /// <summary>
    /// The body: for a constant or field its initialiser, for an expression-bodied member the expression, otherwise
    /// the statements of a block (one line each, nested blocks indented by four spaces).
    /// </summary>
    public IReadOnlyList<string> Body { get; init; } = new string[0];

    /// <summary>True when <see cref="Body"/> is one expression (=> ...).</summary>
    public bool IsExpression { get; init; }

    /// <summary>A property's accessors as written ({ get; set; }), or null for a get-only expression body.</summary>
    public string? Accessors { get; init; }

    /// <summary>A nested struct's members.</summary>
    public IReadOnlyList<ApiMember> Members { get; init; } = new ApiMember[0];

    /// <summary>Implements a member of <c>IRnnModel</c> (implicitly; ShareParameters is an explicit implementation).</summary>
    public bool Implements { get; init; }

    /// <summary>Part of the public surface (the contract), not a private helper.</summary>
    public bool IsPublic => Access == "public" || Explicit is not null;

    /// <summary>The method's parameter types as the clash check compares them.</summary>
    public IReadOnlyList<string> ParameterKeys => Parameters.Select(p => p.Key).ToList();

    /// <summary>How a diagnostic names it, e.g. "the method Forward(ReadOnlySpan&lt;int&gt;, ReadOnlySpan&lt;int&gt;)".</summary>
    public string Display => Kind switch
    {
        MemberKind.Constructor => "the parameterless constructor",
        MemberKind.Struct => "the nested struct " + Name,
        MemberKind.Method => $"the {(IsPublic ? "" : "private ")}method {Name}({string.Join(", ", Parameters.Select(p => (p.Modifier.Length > 0 ? p.Modifier + " " : "") + Short(p.Type)))})",
        _ => $"the {(IsPublic || Kind == MemberKind.Constant ? "" : "")}{Kind.ToString().ToLowerInvariant()} {Name}",
    };

    /// <summary>A type without its namespaces, for messages.</summary>
    private static string Short(string type) => type.Replace("global::System.IO.", "").Replace("global::System.", "").Replace("global::RnnGen.", "");
}
