using System.Collections.Generic;

namespace RnnGen.Generator.Model;

/// <summary>
/// The members ApiEmitter declares inside the user's class, by name: enough to tell a user member
/// that would collide with one of them (CS0102/CS0111 in generated code) before emitting anything.
/// A test compiles models and checks this table against the members actually generated.
/// </summary>
internal static class GeneratedMembers
{
    /// <summary>Parameter types of one generated method, as <c>SymbolDisplayFormat.FullyQualifiedFormat</c> prints them; "ref " marks by-reference.</summary>
    internal sealed class Method
    {
        public Method(string display, params string[] parameters)
        {
            Display = display;
            Parameters = parameters;
        }

        public string Display { get; }

        public string[] Parameters { get; }
    }

    /// <summary>Names of the generated fields, constants, properties and nested types.</summary>
    public static Dictionary<string, string> NonMethods(ModelSpec spec)
    {
        var names = new Dictionary<string, string>
        {
            ["Hidden"] = "the constant Hidden",
            [spec.TokenInput ? "Vocab" : "Input"] = spec.TokenInput ? "the constant Vocab" : "the constant Input",
            ["Output"] = "the constant Output",
            ["Layers"] = "the constant Layers",
            ["MaxSteps"] = "the constant MaxSteps",
            ["Truncate"] = "the constant Truncate",
            ["ParameterCount"] = "the constant ParameterCount",
            ["_parameters"] = "the field _parameters",
            ["_gradients"] = "the field _gradients",
            ["_workspace"] = "the field _workspace",
            ["Parameters"] = "the property Parameters",
            ["Gradients"] = "the property Gradients",
            ["NonFiniteAction"] = "the property NonFiniteAction",
            ["SkippedSteps"] = "the property SkippedSteps",
            ["_skippedSteps"] = "the field _skippedSteps",
        };
        if (spec.Projection > 0)
        {
            names["Projection"] = "the constant Projection";
        }

        if (new Plan.Sizes(spec).SplitsRecurrence)
        {
            names["Threads"] = "the property Threads";
            names["_team"] = "the field _team";
        }

        if (HasDropout(spec))
        {
            names["_dropout"] = "the field _dropout";
            names["DropoutRandom"] = "the property DropoutRandom";
        }

        if (Streams(spec))
        {
            names["State"] = "the nested struct State";
        }

        return names;
    }

    /// <summary>The generated methods by name; the constructor is listed under ".ctor".</summary>
    public static Dictionary<string, List<Method>> Methods(ModelSpec spec)
    {
        string t = spec.Precision == PrecisionKind.Double ? "double" : "float";
        string x = spec.TokenInput ? "int" : t;
        string y = spec.Loss == LossKind.CrossEntropy ? "int" : t;
        string inputs = Span(x, readOnly: true), targets = Span(y, readOnly: true);
        const string state = "ref State", stream = "global::System.IO.Stream";
        string predictDestination = Span(spec.Loss == LossKind.CrossEntropy ? "int" : t, readOnly: false);
        bool streams = Streams(spec);

        var methods = new Dictionary<string, List<Method>>();
        void Add(string name, string display, params string[] parameters)
        {
            if (!methods.TryGetValue(name, out List<Method>? list))
            {
                methods[name] = list = new List<Method>();
            }

            list.Add(new Method(display, parameters));
        }

        string inputType = spec.TokenInput ? "ReadOnlySpan<int>" : $"ReadOnlySpan<{t}>";
        string targetType = $"ReadOnlySpan<{y}>";
        Add(".ctor", "the parameterless constructor");
        Add("Initialize", "the method Initialize(int)", "int");
        Add("ZeroGradients", "the method ZeroGradients()");
        foreach (string name in new[] { "Forward", "Backward" })
        {
            Add(name, $"the method {name}({inputType}, {targetType})", inputs, targets);
            if (streams)
            {
                Add(name, $"the method {name}({inputType}, {targetType}, ref State)", inputs, targets, state);
            }
        }

        Add("SgdStep", $"the method SgdStep({inputType}, {targetType}, {t})", inputs, targets, t);
        if (streams)
        {
            Add("SgdStep", $"the method SgdStep({inputType}, {targetType}, {t}, ref State)", inputs, targets, t, state);
        }

        Add("Predict", "the method Predict", inputs, predictDestination);
        bool probabilities = spec.Loss == LossKind.CrossEntropy;
        if (probabilities)
        {
            Add("Probabilities", "the method Probabilities", inputs, Span(t, readOnly: false));
        }

        if (streams)
        {
            Add("Predict", "the method Predict with a State", inputs, predictDestination, state);
            if (probabilities)
            {
                Add("Probabilities", "the method Probabilities with a State", inputs, Span(t, readOnly: false), state);
            }

            Add("Step", "the method Step", state, spec.TokenInput ? "int" : Span(t, readOnly: true), Span(t, readOnly: false));
            if (spec.TokenInput && spec.Loss == LossKind.CrossEntropy && spec.Outputs == OutputsKind.EveryStep && spec.Output == spec.Vocab)
            {
                Add("Generate", "the method Generate", Span("int", readOnly: true), Span("int", readOnly: false), t, "ref global::RnnGen.RnnRandom", "int", "int");
            }
        }

        // Property getters reserve their accessor names (CS0082).
        Add("get_Parameters", "the getter of the property Parameters");
        Add("get_Gradients", "the getter of the property Gradients");
        Add("get_NonFiniteAction", "the getter of the property NonFiniteAction");
        Add("set_NonFiniteAction", "the setter of the property NonFiniteAction", "global::RnnGen.NonFiniteAction");
        Add("get_SkippedSteps", "the getter of the property SkippedSteps");
        Add("NonFiniteStep", "the private method NonFiniteStep", t, "int");
        Add("TryLocateParameter", "the method TryLocateParameter(int, out string, out int, out int)", "int", "ref string", "ref int", "ref int");
        if (HasDropout(spec))
        {
            Add("get_DropoutRandom", "the getter of the property DropoutRandom");
        }

        if (new Plan.Sizes(spec).SplitsRecurrence)
        {
            Add("get_Threads", "the getter of the property Threads");
            Add("set_Threads", "the setter of the property Threads", "int");
        }

        Add("LoadWeights", "the method LoadWeights(Stream)", stream);
        Add("LoadWeights", "the method LoadWeights(Stream, WeightLoadOptions?)", stream, "global::RnnGen.WeightLoadOptions");
        Add("SaveWeights", "the method SaveWeights(Stream)", stream);
        Add("SaveGradients", "the method SaveGradients(Stream)", stream);
        Add("CheckInputs", "the private method CheckInputs", inputs);
        Add("CheckSequence", "the private method CheckSequence", inputs, targets);
        return methods;
    }

    /// <summary>Every generated member name, for the check that the class itself is not named like one (CS0542).</summary>
    public static IEnumerable<string> AllNames(ModelSpec spec)
    {
        foreach (string name in NonMethods(spec).Keys)
        {
            yield return name;
        }

        foreach (string name in Methods(spec).Keys)
        {
            if (name != ".ctor")
            {
                yield return name;
            }
        }
    }

    // Mirrors EmitContext.Streams and EmitContext.Dropout (a test keeps them in step).
    private static bool Streams(ModelSpec spec) => !spec.Bidirectional;

    private static bool HasDropout(ModelSpec spec) => spec.Dropout > 0 && spec.Layers > 1;

    private static string Span(string element, bool readOnly) =>
        (readOnly ? "global::System.ReadOnlySpan<" : "global::System.Span<") + element + ">";
}
