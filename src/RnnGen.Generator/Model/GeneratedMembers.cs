using System.Collections.Generic;
using System.Linq;
using RnnGen.Generator.Api;
using RnnGen.Generator.Plan;

namespace RnnGen.Generator.Model;

/// <summary>
/// The members a model's class will get, by name, read from the same descriptions the printer prints
/// (<see cref="ModelApi"/>): enough to tell a user member that would collide with one of them (CS0102/CS0111 in
/// generated code) before anything is printed.
/// </summary>
internal sealed class GeneratedMembers
{
    /// <summary>Parameter types of one generated method, as <c>SymbolDisplayFormat.FullyQualifiedFormat</c> prints them; "ref " marks by-reference.</summary>
    internal sealed record Method(string Display, IReadOnlyList<string> Parameters);

    private GeneratedMembers(ModelSpec spec)
    {
        foreach (ApiMember m in ModelApi.Of(new Network(spec)))
        {
            switch (m.Kind)
            {
                // An explicit implementation takes no name in the class.
                case MemberKind.Method or MemberKind.Property when m.Explicit is not null:
                    break;
                case MemberKind.Method:
                    Add(m.Name, m.Display, m.ParameterKeys);
                    break;
                case MemberKind.Constructor:
                    Add(".ctor", m.Display, new string[0]);
                    break;
                case MemberKind.Property:
                    NonMethods[m.Name] = m.Display;
                    // Accessors reserve their names (CS0082).
                    Add("get_" + m.Name, "the getter of the property " + m.Name, new string[0]);
                    if (m.Accessors?.Contains("set") == true || m.Body.Any(line => line.StartsWith("set", System.StringComparison.Ordinal)))
                    {
                        Add("set_" + m.Name, "the setter of the property " + m.Name, new[] { m.Type });
                    }

                    break;
                default:
                    NonMethods[m.Name] = m.Display;
                    break;
            }
        }
    }

    /// <summary>Names of the generated fields, constants, properties and nested types, with how a message names each.</summary>
    public Dictionary<string, string> NonMethods { get; } = new();

    /// <summary>The generated methods by name, accessors included; the constructor is listed under ".ctor".</summary>
    public Dictionary<string, List<Method>> Methods { get; } = new();

    /// <summary>Every generated member name, for the check that the class itself is not named like one (CS0542).</summary>
    public IEnumerable<string> AllNames => NonMethods.Keys.Concat(Methods.Keys.Where(name => name != ".ctor"));

    public static GeneratedMembers Of(ModelSpec spec) => new(spec);

    private void Add(string name, string display, IReadOnlyList<string> parameters)
    {
        if (!Methods.TryGetValue(name, out List<Method>? list))
        {
            Methods[name] = list = new List<Method>();
        }

        list.Add(new Method(display, parameters));
    }
}
