using System.Collections.Generic;
using RnnGen.Generator.Api;

namespace RnnGen.Generator.Printing;

/// <summary>Prints the members of a model's class from their descriptions (<see cref="ModelApi"/>).</summary>
internal static class ApiPrinter
{
    /// <summary>Prints <paramref name="members"/>, a blank line between them; <paramref name="className"/> names the constructor.</summary>
    public static void Print(CodeWriter w, IReadOnlyList<ApiMember> members, string className)
    {
        for (int i = 0; i < members.Count; i++)
        {
            // Fields and constants without documentation sit together; everything else is set apart.
            if (i > 0 && !(members[i].Docs.Count == 0 && members[i - 1].Docs.Count == 0))
            {
                w.Line();
            }

            Print(w, members[i], className);
        }
    }

    private static void Print(CodeWriter w, ApiMember m, string className)
    {
        foreach (string line in m.Docs) w.Line(line);
        foreach (string line in m.Attributes) w.Line(line);
        string access = m.Access.Length > 0 ? m.Access + " " : "", modifiers = m.Modifiers.Length > 0 ? m.Modifiers + " " : "";
        switch (m.Kind)
        {
            case MemberKind.Constant:
                w.Line($"{access}const {m.Type} {m.Name} = {m.Body[0]};");
                break;
            case MemberKind.Field:
                w.Line($"{access}{modifiers}{m.Type} {m.Name}{(m.Body.Count > 0 ? " = " + m.Body[0] : "")};");
                break;
            case MemberKind.Struct:
                using (w.Open($"{access}struct {m.Name}"))
                {
                    Print(w, m.Members, className);
                }

                break;
            case MemberKind.Property when m.IsExpression && m.Explicit is not null:
                w.Line($"{modifiers}{m.Type} {m.Explicit}.{m.Name} => {m.Body[0]};");
                break;
            case MemberKind.Property when m.IsExpression:
                w.Line($"{access}{modifiers}{m.Type} {m.Name} => {m.Body[0]};");
                break;
            case MemberKind.Property when m.Accessors is { Length: > 0 }:
                w.Line($"{access}{modifiers}{m.Type} {m.Name} {m.Accessors}");
                break;
            default:
                string head = Signature(m, className);
                if (m.IsExpression)
                {
                    w.Line($"{head} => {m.Body[0]};");
                }
                else
                {
                    using (w.Open(head))
                    {
                        foreach (string line in m.Body) w.Line(line);
                    }
                }

                break;
        }
    }

    /// <summary>A method's, constructor's or property's declaration line, without its body.</summary>
    public static string Signature(ApiMember m, string className)
    {
        string access = m.Access.Length > 0 ? m.Access + " " : "", modifiers = m.Modifiers.Length > 0 ? m.Modifiers + " " : "";
        var parameters = new List<string>();
        foreach (ApiParameter p in m.Parameters) parameters.Add(p.Print());
        return m.Kind switch
        {
            MemberKind.Constructor => $"{access}{className}()",
            MemberKind.Property => $"{access}{modifiers}{m.Type} {m.Name}",
            _ when m.Explicit is not null => $"{m.Type} {m.Explicit}.{m.Name}({string.Join(", ", parameters)})",
            _ => $"{access}{modifiers}{m.Type} {m.Name}({string.Join(", ", parameters)})",
        };
    }
}
