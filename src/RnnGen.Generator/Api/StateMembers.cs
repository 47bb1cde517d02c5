using System.Collections.Generic;
using RnnGen.Generator.Model;
using RnnGen.Generator.Plan;
using RnnGen.Generator.Printing;

namespace RnnGen.Generator.Api;

/// <summary>
/// The nested <c>State</c> of a streaming model: a fixed-size inline array holding every layer's h (then c), then the
/// fed-back output, with views of its parts.
/// </summary>
internal static class StateMembers
{
    private const string Span = "global::System.Span", Unscoped = "[global::System.Diagnostics.CodeAnalysis.UnscopedRef]";

    public static ApiMember Of(Network network)
    {
        Sizes s = network.Sizes;
        string t = network.T, n = "global::RnnGen.Generated." + Names.Identifier(network.Spec.Type.Name) + "Network";
        string model = Names.ModelReference(network.Spec.Type), hWidth = s.Projected ? "Projection" : "Hidden";
        string top = s.Stacked ? $"{n}.{network.Memory.Top.StateOffset.Print()}" : "0";
        string view = $"(({Span}<{t}>)_values)";
        var members = new List<ApiMember>
        {
            new(MemberKind.Struct, "Row", "", new string[0])
            {
                Access = "private", Attributes = new[] { $"[global::System.Runtime.CompilerServices.InlineArray({s.StateLength.Value})]" },
                Members = new[] { new ApiMember(MemberKind.Field, "_element", t, new string[0]) { Access = "private" } },
            },
            new(MemberKind.Field, "_values", "Row", new string[0]) { Access = "private" },
            View(t, "Hidden", $"<summary>The hidden state h_t{(s.Stacked ? " of the top layer, which the head reads" : "")}: <see cref=\"{hWidth}\"/> values.</summary>", $"{view}.Slice({top}, {model}.{hWidth})"),
        };
        if (s.Lstm)
        {
            members.Add(View(t, "Cell", $"<summary>The LSTM cell state c_t{(s.Stacked ? " of the top layer" : "")}: <see cref=\"Hidden\"/> values.</summary>", $"{view}.Slice({top} + {n}.StateCell, {model}.Hidden)"));
        }

        if (s.Stacked)
        {
            members.Add(View(t, "HiddenOf", "<summary>The hidden state h_t of one layer, 0 (the bottom) to Layers - 1.</summary>", $"{view}.Slice(LayerOffset(layer), {model}.{hWidth})", layer: true));
            if (s.Lstm)
            {
                members.Add(View(t, "CellOf", "<summary>The LSTM cell state c_t of one layer, 0 (the bottom) to Layers - 1.</summary>", $"{view}.Slice(LayerOffset(layer) + {n}.StateCell, {model}.Hidden)", layer: true));
            }

            members.Add(new ApiMember(MemberKind.Method, "LayerOffset", "int", new string[0])
            {
                Access = "private", Modifiers = "static", Parameters = new[] { new ApiParameter("int", "layer") },
                Body = new[] { $"global::RnnGen.Runtime.Guard.Layer(layer, {model}.Layers, nameof(layer));", $"return layer * {s.LayerStateLength};" },
            });
        }

        if (s.FeedsBack)
        {
            members.Add(View(t, "Feedback", "<summary>The last head output y_t, which feeds the next step: <see cref=\"Output\"/> values.</summary>", $"{view}.Slice({n}.StateFeedback, {model}.Output)"));
        }

        members.Add(new ApiMember(MemberKind.Method, "Reset", "void", new[] { "/// <summary>Returns to the zero state.</summary>" }) { Body = new[] { "this = default" }, IsExpression = true });
        members.Add(new ApiMember(MemberKind.Property, "Data", "ref " + t, new string[0]) { Access = "internal", Attributes = new[] { Unscoped }, Body = new[] { "ref _values[0]" }, IsExpression = true });
        string parts = "the hidden state h" + (s.Lstm ? ", the cell state c" : "") + (s.Stacked ? " of every layer" : "") + (s.FeedsBack ? ", and the last output y, which feeds the next step" : "");
        return new ApiMember(MemberKind.Struct, "State", "", new[]
        {
            "/// <summary>",
            $"/// The recurrent state carried from one <see cref=\"{ModelApi.StepCref(network)}\"/> to the next: {parts}.",
            "/// <c>default</c> is the zero state every sequence starts from.",
            "/// </summary>",
        }) { Members = members };
    }

    /// <summary>A span over part of the state: a property, or with <paramref name="layer"/> a method taking the layer.</summary>
    private static ApiMember View(string t, string name, string summary, string body, bool layer = false) =>
        new(layer ? MemberKind.Method : MemberKind.Property, name, $"{Span}<{t}>", new[] { "/// " + summary })
        {
            Attributes = new[] { Unscoped },
            Parameters = layer ? new[] { new ApiParameter("int", "layer") } : new ApiParameter[0],
            Body = new[] { body },
            IsExpression = true,
        };
}
