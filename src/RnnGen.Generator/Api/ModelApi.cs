using System.Collections.Generic;
using System.Linq;
using RnnGen.Generator.Model;
using RnnGen.Generator.Plan;
using RnnGen.Generator.Printing;

namespace RnnGen.Generator.Api;

/// <summary>
/// The members of one model's class (SPEC §6, docs/contract.md), in the order they are printed: constants, storage,
/// training, prediction, streaming, weight I/O and the private checks. Each public method checks its arguments through
/// the runtime's Guard before anything changes, then hands the call to the network class. Documentation the
/// <c>IRnnModel</c> interface already says is inherited; what is specific to the model is said here.
/// </summary>
internal sealed class ModelApi
{
    private const string Span = "global::System.Span", ReadOnlySpan = "global::System.ReadOnlySpan", Guard = "global::RnnGen.Runtime.Guard";
    private const string Contract = "global::RnnGen.IRnnModel{T, TInput, TTarget}";
    private static readonly string Generated = Names.GeneratedCode;

    /// <summary>Step, like the network's streaming methods, is compiled fully optimised at its first call (StreamingPrinter).</summary>
    private const string FirstCallOptimised = "[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]";

    private readonly Network _network;
    private readonly List<ApiMember> _members = new();

    private ModelApi(Network network) => _network = network;

    private ModelSpec Spec => _network.Spec;

    private Sizes Sizes => _network.Sizes;

    private string T => _network.T;

    private string X => Spec.TokenInput ? "int" : T;

    private string Y => Sizes.CrossEntropy ? "int" : T;

    /// <summary>
    /// <c>IComposableModel</c> for dense regression models whose gradients compose (what <c>Seq2Seq</c> chains), as the
    /// class declaration names it; null for the others.
    /// </summary>
    public static string? ComposableContract(Network network) =>
        network.Sizes.ComposesInput && !network.Sizes.CrossEntropy ? $"global::RnnGen.IComposableModel<{network.T}, {Names.ModelReference(network.Spec.Type)}.State>" : null;

    private string? Composable => ComposableContract(_network);

    /// <summary>
    /// <c>IBatchModel</c> for models with Batch &gt; 1, whose padded-batch members the training tools call, as the class
    /// declaration names it; null for the others.
    /// </summary>
    public static string? BatchContract(Network network) =>
        network.Spec.Batch > 1 ? $"global::RnnGen.IBatchModel<{network.T}, {(network.Spec.TokenInput ? "int" : network.T)}, {(network.Sizes.CrossEntropy ? "int" : network.T)}>" : null;

    /// <summary>The network class, as the model class names it.</summary>
    private string N => Names.NetworkReference(Spec);

    private string Name => Names.Identifier(Spec.Type.Name);

    /// <summary>A null state: a call that starts from zero.</summary>
    private string NullState => $"global::System.Runtime.CompilerServices.Unsafe.NullRef<{T}>()";

    private string Team => Sizes.SplitsRecurrence ? ", _team" : "";

    private string Dropout => Sizes.Dropout ? ", ref _dropout" : "";

    /// <summary>The steps argument of the runtime's length checks: the step count, or Guard.LastStep (one row).</summary>
    private string GuardSteps => Sizes.LastStep ? Guard + ".LastStep" : "steps";

    /// <summary>Every member of the model's class, in print order.</summary>
    public static IReadOnlyList<ApiMember> Of(Network network)
    {
        var api = new ModelApi(network);
        api.AddConstants();
        api.AddStorage();
        api.AddTraining();
        if (network.Sizes.Streams)
        {
            api.AddCarriedTraining();
        }

        api.AddPredictions();
        if (network.Spec.Batch > 1)
        {
            api.AddBatchBackward();
            if (!network.Sizes.StepsBatch)
            {
                api.AddSequentialBatch();
            }
        }

        if (network.Sizes.Streams)
        {
            api.AddState();
            api.AddStep();
            if (network.Sizes.StepsBatch)
            {
                api.AddStepBatch();
                api.AddPaddedBatch();
            }
        }

        if (StreamingPrinter.HasGenerate(network.Spec))
        {
            api.AddGenerate();
        }

        api.AddWeights();
        api.AddChecks();
        return api._members;
    }

    private static string[] Doc(params string[] lines)
    {
        var docs = new string[lines.Length];
        for (int i = 0; i < lines.Length; i++)
        {
            docs[i] = "/// " + lines[i];
        }

        return docs;
    }

    /// <summary>The documentation of a member that implements <c>IRnnModel</c>'s: the interface's, which says it all.</summary>
    private static readonly string[] Inherited = Doc("<inheritdoc/>");

    private void Constant(string name, long value, string summary) =>
        _members.Add(new ApiMember(MemberKind.Constant, name, "int", Doc($"<summary>{summary}</summary>")) { Body = new[] { value.ToString(System.Globalization.CultureInfo.InvariantCulture) } });

    // A member documented by IRnnModel's own text (Inherited) is one of its members. Every method runs as one call at a
    // time on the instance (OneCaller) unless it touches none of the instance's buffers or only forwards to a method
    // that does (guarded: false).
    private void Method(string name, string returns, ApiParameter[] parameters, string[] docs, string[] body, bool expression = false, bool implements = false, string? attribute = null, bool guarded = true) =>
        _members.Add(new ApiMember(MemberKind.Method, name, returns, docs)
        {
            Parameters = parameters, Attributes = attribute is null ? new[] { Generated } : new[] { Generated, attribute },
            Body = guarded ? OneCaller(expression ? new[] { (returns == "void" ? "" : "return ") + body[0] + ";" } : body) : body, IsExpression = expression && !guarded,
            Implements = implements || docs == Inherited,
        });

    /// <summary>
    /// The guard every member that reads or writes the instance's workspace, gradients or state runs under: the
    /// runtime's <c>CallGuard</c> throws InvalidOperationException when a second call arrives while one is running
    /// (another thread's), and the using ends the call however the body leaves. One line per member, so the generated
    /// code stays small; the message and the reasoning live in the runtime.
    /// </summary>
    private static string[] OneCaller(IEnumerable<string> statements) => new[] { "using var call = _calls.Enter(this);" }.Concat(statements).ToArray();

    private static ApiParameter P(string type, string name, string modifier = "", string? @default = null) => new(type, name, modifier, @default);

    private ApiParameter Inputs => P($"{ReadOnlySpan}<{X}>", "inputs");

    private ApiParameter Targets => P($"{ReadOnlySpan}<{Y}>", "targets");

    private static ApiParameter State => P("State", "state", "ref");

    private void AddConstants()
    {
        Constant("Hidden", Spec.Hidden, "Hidden units (PyTorch <c>hidden_size</c>).");
        if (Spec.TokenInput)
        {
            Constant("Vocab", Spec.Vocab, "Vocabulary size: input token ids are <c>0..Vocab-1</c>.");
            if (Spec.Embedding > 0)
            {
                Constant("Embedding", Spec.Embedding, "The embedding layer's width (PyTorch <c>nn.Embedding(Vocab, Embedding)</c>): what the first layer reads per token.");
            }
        }
        else
        {
            Constant("Input", Spec.Input, "Input values per step (PyTorch <c>input_size</c>).");
        }

        Constant("Output", Spec.Output, $"{(Sizes.CrossEntropy ? "Output classes: one logit per class" : "Output values")} {(Sizes.LastStep ? "for the sequence's last step" : "at every step")}.");
        if (Sizes.Projected)
        {
            Constant("Projection", Spec.Projection, "The LSTM's projection size (PyTorch <c>proj_size</c>): h has Projection values, c has Hidden.");
        }

        Constant("Layers", Spec.Layers, "Stacked recurrent layers (PyTorch <c>num_layers</c>).");
        Constant("MaxSteps", Spec.MaxSteps, "The longest sequence one call accepts.");
        if (Spec.Batch > 1)
        {
            Constant("Batch", Spec.Batch, "The most streams or sequences one batched call takes.");
            _members.Add(new ApiMember(MemberKind.Property, "Batch", "int", new string[0]) { Access = "", Explicit = BatchContract(_network), Body = new[] { "Batch" }, IsExpression = true });
        }

        Constant("Truncate", Spec.Truncate, "BPTT truncation: the loss at step t sends gradient back through steps t..t-Truncate; 0 is full BPTT.");
        Constant("ParameterCount", _network.ParameterCount, "Trainable parameters, counted as PyTorch counts them.");
    }

    private void Field(string name, string type, string initialiser, bool readOnly = true) =>
        _members.Add(new ApiMember(MemberKind.Field, name, type, new string[0]) { Access = "private", Modifiers = readOnly ? "readonly" : "", Body = initialiser.Length > 0 ? new[] { initialiser } : new string[0] });

    private void Property(string name, string type, string[] docs, string body, string? accessors = null, string access = "public") =>
        _members.Add(new ApiMember(MemberKind.Property, name, type, docs)
        {
            Access = access, Body = body.Length > 0 ? new[] { body } : new string[0], IsExpression = body.Length > 0, Accessors = accessors, Implements = docs == Inherited,
        });

    private void AddStorage()
    {
        Field("_parameters", $"{T}[]", $"global::RnnGen.Runtime.AlignedArray.Allocate<{T}>({N}.ParameterLength)", readOnly: false);
        Field("_gradients", $"{T}[]", $"global::RnnGen.Runtime.AlignedArray.Allocate<{T}>({N}.ParameterLength)");
        Field("_workspace", $"{T}[]", $"global::RnnGen.Runtime.AlignedArray.Allocate<{T}>({N}.WorkspaceLength)");
        Field("_calls", "global::RnnGen.Runtime.CallGuard", "", readOnly: false);
        AddBatchStorage();
        if (Sizes.Dropout)
        {
            Field("_dropout", "global::RnnGen.RnnRandom", "", readOnly: false);
        }

        if (Sizes.SplitsRecurrence)
        {
            AddThreads();
        }

        _members.Add(new ApiMember(MemberKind.Constructor, ".ctor", "", Doc(
            "<summary>",
            "Creates the model: allocates every buffer it will ever use and initialises the parameters with seed 0.",
            "An instance runs one call at a time: a second call while one is running (from another thread) throws",
            "<see cref=\"global::System.InvalidOperationException\"/>. To serve several callers at once, declare the model with",
            "<c>Batch</c> and step many streams in one call, or give each thread its own instance sharing one copy of the",
            "parameters (<see cref=\"global::RnnGen.IRnnModel{T, TInput, TTarget}.ShareParameters\"/>).",
            "</summary>")) { Attributes = new[] { Generated }, Body = new[] { "Initialize(0)" }, IsExpression = true });
        Property("Parameters", $"{Span}<{T}>", Inherited, $"global::RnnGen.Runtime.AlignedArray.Span(_parameters, {N}.ParameterLength)");
        Property("Gradients", $"{Span}<{T}>", Inherited, $"global::RnnGen.Runtime.AlignedArray.Span(_gradients, {N}.ParameterLength)");
        string initialize = $"global::RnnGen.Runtime.WeightInit.Uniform<{T}>(Parameters, {N}.Tensors, seed)";
        Method("Initialize", "void", new[] { P("int", "seed") }, Inherited, Sizes.Dropout
            ? new[] { initialize + ";", "_dropout = new global::RnnGen.RnnRandom(unchecked((ulong)seed) ^ 0x5DEECE66DUL);" }
            : new[] { initialize }, expression: !Sizes.Dropout);
        if (Sizes.Dropout)
        {
            Property("DropoutRandom", "ref global::RnnGen.RnnRandom", Doc(
                "<summary>",
                "The random source of dropout between layers, seeded by <see cref=\"Initialize\"/>. Each training call",
                "(Backward, SgdStep) draws a fresh mask from it; Forward, Predict and Step never drop. Set it to",
                "repeat a mask, or save it with a checkpoint to resume the exact sequence of masks.",
                "</summary>"), "ref _dropout");
        }

        Method("ZeroGradients", "void", new ApiParameter[0], Inherited, new[] { "global::System.Array.Clear(_gradients)" }, expression: true);
        Property("NonFiniteAction", "global::RnnGen.NonFiniteAction", Doc(
            "<summary>",
            "What <c>SgdStep</c> does when the loss or a gradient it would apply is NaN or infinite: throw",
            "<see cref=\"global::RnnGen.NonFiniteTrainingException\"/> naming the parameter (the default), or skip the",
            "step. Either way no weight changes.",
            "</summary>"), "", accessors: "{ get; set; }");
        Property("SkippedSteps", "long", Doc("<summary>Steps <c>SgdStep</c> skipped because of a non-finite loss or gradient (with <see cref=\"NonFiniteAction\"/> = Skip).</summary>"), "_skippedSteps");
        Field("_skippedSteps", "long", "", readOnly: false);
        Method("TryLocateParameter", "bool", new[] { P("int", "index"), P("string", "name", "out"), P("int", "row", "out"), P("int", "column", "out") }, Inherited, guarded: false, body: new[]
        {
            $"bool found = global::RnnGen.Runtime.TrainingGuard.Locate({N}.Tensors, index, out global::RnnGen.Runtime.TensorMap? map, out row, out column);",
            "name = found ? map!.Name : \"\";",
            "column = found && map!.Columns == 0 ? -1 : column;",
            "return found;",
        });
        string contract = $"global::RnnGen.IRnnModel<{T}, {X}, {Y}>";
        var share = new List<string>
        {
            $"if (source is not {Name} model || (object)model == this) return false; // (object): the same instance, whatever == the class defines",
            "_parameters = model._parameters;",
        };
        if (Sizes.SplitsRecurrence)
        {
            share.Add("if (_team is not null) { Threads = 1; Threads = 2; } // a new partner, on the new array");
        }

        // Not guarded: it swaps the parameter array (a running call keeps the one it was handed) and restarts a partner
        // thread through Threads, which is; guarding both would make that inner call a second call on the instance.
        share.Add("return true;");
        _members.Add(new ApiMember(MemberKind.Method, "ShareParameters", "bool", new string[0]) { Access = "", Explicit = contract, Parameters = new[] { P(contract, "source") }, Body = share });
        // Throws, or counts a skipped step and returns the loss: SgdStep's rare path, kept out of its body.
        _members.Add(new ApiMember(MemberKind.Method, "NonFiniteStep", T, new string[0])
        {
            Access = "private", Parameters = new[] { P(T, "loss"), P("int", "index") },
            Attributes = new[] { "[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]" },
            Body = new[]
            {
                $"global::RnnGen.Runtime.TrainingGuard.Fail<{T}>(NonFiniteAction, \"SgdStep\", loss, index, Gradients, {N}.Tensors, \"set NonFiniteAction = NonFiniteAction.Skip to skip such steps\");",
                "_skippedSteps++;",
                "return loss;",
            },
        });
    }

    private void AddThreads()
    {
        Field("_team", "global::RnnGen.Runtime.RecurrenceTeam?", "", readOnly: false);
        _members.Add(new ApiMember(MemberKind.Property, "Threads", "int", Doc(
            "<summary>",
            "Threads the recurrence of <c>Forward</c>, <c>Predict</c>, <c>Backward</c> and <c>SgdStep</c> runs on: 1 (the",
            "default) or 2. With 2, a partner thread (started here, once) computes half of the hidden units of every step,",
            "and their share of the input-side product, while the calling thread computes the other half; each half reads",
            "only its own half of W_hh, so on two cores each stays in its own core's cache. Results are bit for bit those",
            "of 1 thread, and calls still allocate nothing. The rest of a call (dropout masks, head, loss, the backward",
            "pass) runs on the calling thread. Setting 1 stops the partner thread at once; a model dropped with 2 stops it",
            "within about a second of being garbage-collected.",
            "</summary>",
            "<exception cref=\"global::System.ArgumentOutOfRangeException\">The value is not 1 or 2.</exception>"))
        {
            Attributes = new[] { Generated },
            Accessors = "",
            Body = new[]
            {
                "get => _team is null ? 1 : 2;",
                "set",
                "{",
            }.Concat(OneCaller(new[]
            {
                "if (value is not 1 and not 2)",
                "{",
                "    throw new global::System.ArgumentOutOfRangeException(nameof(value), $\"Threads is {value}, but it must be 1 (the calling thread alone) or 2 (a partner thread computes half of every step's hidden units).\");",
                "}",
                "",
                "if (value == 2 && _team is null)",
                "{",
                $"    _team = new global::RnnGen.Runtime.RecurrenceTeam(new {N}.RecurrencePartner(_parameters, _workspace), this);",
                "}",
                "else if (value == 1 && _team is not null)",
                "{",
                "    _team.Dispose();",
                "    _team = null;",
                "}",
            }).Select(line => line.Length > 0 ? "    " + line : line)).Concat(new[] { "}" }).ToArray(),
        });
    }

    /// <summary>
    /// The body of Forward, Backward and SgdStep from <paramref name="state"/> (a ref expression): the checks, then the
    /// network's call (the sequence's arguments are plain fields and parameters, so checking inside the argument list
    /// still checks before anything changes).
    /// </summary>
    private string[] Sequence(string call, string state, bool sgd) => sgd
        ? new[]
        {
            "int steps = CheckSequence(inputs, targets);",
            $"{Guard}.LearningRate(learningRate);",
            $"{T} loss = {N}.SgdStep(_parameters, _gradients, _workspace, inputs, targets, steps, learningRate, ref {state}{Team}{Dropout}, out int nonFinite);",
            "return nonFinite == global::RnnGen.Runtime.TrainingGuard.AllFinite ? loss : NonFiniteStep(loss, nonFinite);",
        }
        : new[] { $"{N}.{call}, inputs, targets, CheckSequence(inputs, targets), ref {state}{Team}{(call.StartsWith("Backward", System.StringComparison.Ordinal) ? Dropout + Uncomposed : "")})" };

    /// <summary>The network Backward's arguments that compose nothing: no state gradient, no external gradients.</summary>
    private string Uncomposed => Calls.BackwardArguments(Sizes, NullState);

    private void AddTraining()
    {
        Method("Forward", T, new[] { Inputs, Targets }, Inherited, Sequence("Forward(_parameters, _workspace", NullState, sgd: false), expression: true);
        Method("Backward", T, new[] { Inputs, Targets }, Inherited, Sequence("Backward(_parameters, _gradients, _workspace", NullState, sgd: false), expression: true);
        Method("SgdStep", T, new[] { Inputs, Targets, P(T, "learningRate") }, Inherited, Sequence("", NullState, sgd: true));
    }

    /// <summary>The documentation of an overload that continues from a state: the other's, and what the state does.</summary>
    private static string[] Carried(string cref, string what) => Doc(
        $"<inheritdoc cref=\"{cref}\"/>",
        $"<summary>{what}, continuing from <paramref name=\"state\"/>, which then receives the state after the last step.</summary>");

    private void AddCarriedTraining()
    {
        string sequence = $"global::System.ReadOnlySpan{{{X}}}, global::System.ReadOnlySpan{{{Y}}}";
        Method("Forward", T, new[] { Inputs, Targets, State }, Carried($"Forward({sequence})", "The summed loss of a sequence"),
            Sequence("Forward(_parameters, _workspace", "state.Data", sgd: false), expression: true);
        Method("Backward", T, new[] { Inputs, Targets, State }, Carried($"Backward({sequence})",
            "Backward, with the entering state a constant for the gradient (a detached state in PyTorch): a long stream trained chunk by chunk"),
            Sequence("Backward(_parameters, _gradients, _workspace", "state.Data", sgd: false), expression: true);
        Method("SgdStep", T, new[] { Inputs, Targets, P(T, "learningRate"), State }, Carried($"SgdStep({sequence}, {T})", "One SGD step"),
            Sequence("", "state.Data", sgd: true));
        if (Sizes.ComposesState)
        {
            AddComposedBackward();
        }

        if (Composable is { } composable)
        {
            // IComposableModel's sizes: the constants under the interface's names (a constant cannot implement them).
            foreach ((string name, string value) in new[] { ("InputWidth", "Input"), ("OutputWidth", "Output"), ("LongestSequence", "MaxSteps") })
            {
                _members.Add(new ApiMember(MemberKind.Property, name, "int", new string[0]) { Access = "", Modifiers = "static", Explicit = composable, Body = new[] { value }, IsExpression = true });
            }
        }
    }

    /// <summary>The Backward overloads whose gradients compose: through the initial state and, for dense models, the inputs and outputs.</summary>
    private void AddComposedBackward()
    {
        ApiParameter stateGradient = P("State", "stateGradient", "ref");
        string reach = Spec.Truncate > 0
            ? " With truncated BPTT the final state's gradient goes back Truncate steps, as a loss at the last step does, and only what reaches step 0 reaches the initial state."
            : "";
        string stateGradientDoc = $"<param name=\"stateGradient\">On entry, the gradient of whatever follows with respect to the final state (<c>default</c> when nothing does); on return, the gradient of the loss and of what follows with respect to the initial state.{reach}</param>";
        Method("Backward", T, new[] { Inputs, Targets, State, stateGradient }, Doc(
                "<summary>Backward from a given state, giving the gradient with respect to that state too: how a decoder's gradient reaches its encoder (PyTorch's <c>h0.grad</c>).</summary>",
                $"<param name=\"inputs\">The sequence, as for <see cref=\"{Contract}.Forward\"/>.</param>",
                $"<param name=\"targets\">Its targets, as for <see cref=\"{Contract}.Forward\"/>.</param>",
                "<param name=\"state\">The initial state; receives the final one.</param>",
                stateGradientDoc,
                "<returns>The summed loss; the parameters' gradients are added.</returns>"),
            new[] { $"{N}.Backward(_parameters, _gradients, _workspace, inputs, targets, CheckSequence(inputs, targets), ref state.Data{Team}{Dropout}{Calls.BackwardArguments(Sizes, "stateGradient.Data")})" },
            expression: true);
        if (!Sizes.ComposesInput)
        {
            return;
        }

        string rows = Sizes.LastStep ? "Output values (the last step's)" : "[steps, Output]";
        Method("Backward", "void", new[] { Inputs, P($"{ReadOnlySpan}<{T}>", "outputGradient"), P($"{Span}<{T}>", "inputGradient"), State, stateGradient }, Doc(
                "<summary>",
                "Backpropagation through time from a gradient the caller computed, for a model inside a larger computation: no built-in",
                "loss. Runs from <paramref name=\"state\"/> (which then receives the state after the last step), adds the parameters'",
                "gradients, and gives the gradients with respect to the inputs and the initial state. Dropout draws as in any Backward.",
                "</summary>",
                $"<param name=\"inputs\">The sequence, as for <see cref=\"{Contract}.Forward\"/>.</param>",
                $"<param name=\"outputGradient\">∂L/∂y: {rows}.</param>",
                "<param name=\"inputGradient\">Receives ∂L/∂x, [steps, Input]; a longer span keeps the rest.</param>",
                "<param name=\"state\">The initial state; receives the final one.</param>",
                stateGradientDoc,
                "<exception cref=\"global::System.ArgumentException\">A span does not fit the declaration; nothing changes.</exception>"),
            new[]
            {
                "int steps = CheckInputs(inputs);",
                $"{Guard}.ValueTargets(outputGradient.Length, {GuardSteps}, Output, nameof(outputGradient));",
                $"{Guard}.InputDestination(inputGradient.Length, steps, Input, nameof(inputGradient));",
                $"{N}.Backward(_parameters, _gradients, _workspace, inputs, default, steps, ref state.Data{Team}{Dropout}, ref stateGradient.Data, outputGradient, inputGradient);",
            });
    }

    private void AddPredictions()
    {
        string when = Sizes.LastStep ? "of the sequence's last step" : "at every step";
        string rows = Sizes.LastStep ? "one row" : "[steps, Output]";
        string destination = Sizes.CrossEntropy ? "classes" : "outputs";
        string destinationType = Sizes.CrossEntropy ? $"{Span}<int>" : $"{Span}<{T}>";
        string written = Sizes.CrossEntropy ? (Sizes.LastStep ? "1" : "steps") : (Sizes.LastStep ? "Output" : "steps * Output");
        string check = Sizes.CrossEntropy
            ? $"{Guard}.ClassDestination(classes.Length, {GuardSteps}, nameof(classes));"
            : $"{Guard}.ValueDestination(outputs.Length, {GuardSteps}, Output, nameof(outputs));";
        string predictCref = $"Predict(global::System.ReadOnlySpan{{{X}}}, global::System.Span{{{(Sizes.CrossEntropy ? "int" : T)}}})";
        string probabilitiesCref = $"Probabilities(global::System.ReadOnlySpan{{{X}}}, global::System.Span{{{T}}})";
        foreach (bool carried in Sizes.Streams ? new[] { false, true } : new[] { false })
        {
            string state = carried ? "state.Data" : NullState;
            var parameters = carried ? new[] { Inputs, P(destinationType, destination), State } : new[] { Inputs, P(destinationType, destination) };
            string[] predictDocs = carried
                ? Carried(predictCref, Sizes.CrossEntropy ? $"The most likely class {when}" : $"The head's outputs {when}")
                : Doc($"<inheritdoc cref=\"{Contract}.Predict\"/>", $"<param name=\"inputs\">The sequence, as for <see cref=\"{Contract}.Forward\"/>.</param>", $"<param name=\"{destination}\">Receives {(Sizes.CrossEntropy ? "the class ids" : "the Output values")} {when}, {(Sizes.CrossEntropy ? (Sizes.LastStep ? "one" : "one per step") : rows)}. A longer span keeps the rest.</param>");
            Method("Predict", "int", parameters, predictDocs, implements: !carried, body: new[]
            {
                "int steps = CheckInputs(inputs);",
                check,
                $"{N}.Predict(_parameters, _workspace, inputs, steps, {destination}{(Sizes.CrossEntropy ? ", default" : "")}, ref {state}{Team});",
                $"return {written};",
            });
            if (!Sizes.CrossEntropy)
            {
                continue;
            }

            string[] probabilityDocs = carried
                ? Carried(probabilitiesCref, $"Each class's probability {when}")
                : Doc($"<summary>Each class's probability {when}, from the zero state: the softmax of the logits{(Sizes.Streams ? $" <see cref=\"{StepCref(_network)}\"/> writes" : "")}.</summary>",
                    $"<param name=\"inputs\">The sequence, as for <see cref=\"{Contract}.Forward\"/>.</param>",
                    $"<param name=\"destination\">Receives Output probabilities {when}, {rows}. A longer span keeps the rest.</param>",
                    $"<returns>{(Sizes.LastStep ? "Output" : "steps * Output")}, the values written.</returns>",
                    "<exception cref=\"global::System.ArgumentException\">The inputs do not fit the declaration, or the destination is too short; nothing changes.</exception>");
            Method("Probabilities", "int", carried ? new[] { Inputs, P($"{Span}<{T}>", "destination"), State } : new[] { Inputs, P($"{Span}<{T}>", "destination") }, probabilityDocs, new[]
            {
                "int steps = CheckInputs(inputs);",
                $"{Guard}.ProbabilityDestination(destination.Length, {GuardSteps}, Output, nameof(destination));",
                $"{N}.Predict(_parameters, _workspace, inputs, steps, default, destination, ref {state}{Team});",
                $"return {(Sizes.LastStep ? "Output" : "steps * Output")};",
            });
        }
    }

    private void AddState() => _members.Add(StateMembers.Of(_network));

    private void AddStep()
    {
        string input = Spec.TokenInput ? "token" : "input";
        Method("Step", "void", new[] { P("State", "state", "ref"), Spec.TokenInput ? P("int", "token") : P($"{ReadOnlySpan}<{T}>", "input"), P($"{Span}<{T}>", "output") }, Doc(
            "<summary>",
            $"Advances <paramref name=\"state\"/> by one step and writes the head's outputs y_t{(Sizes.CrossEntropy ? " (logits)" : "")} for it: running",
            "Step over a sequence from <c>default</c> gives the outputs Forward scores.",
            "</summary>",
            "<param name=\"state\">The state before the step; receives the state after it.</param>",
            Spec.TokenInput ? "<param name=\"token\">The input token id.</param>" : "<param name=\"input\">The step's Input values.</param>",
            "<param name=\"output\">Receives exactly <see cref=\"Output\"/> values, so Step returns no count; a longer span keeps the rest.</param>"), new[]
        {
            Spec.TokenInput ? $"{Guard}.TokenId(token, Vocab, nameof(token));" : $"{Guard}.StepInput(input.Length, Input, nameof(input));",
            $"{Guard}.StepOutput(output.Length, Output, nameof(output));",
            $"{N}.Step(_parameters, _workspace, ref state.Data, {input}, output);",
        }, attribute: FirstCallOptimised);
    }

    private string InputWidth => Spec.TokenInput ? "1" : "Input";

    private const string Batched = "global::RnnGen.Runtime.PaddedBatch";

    /// <summary>The padded-batch members' rows: every stream's state, step input and outputs, and one padded row of logits.</summary>
    private void AddBatchStorage()
    {
        if (!Sizes.StepsBatch)
        {
            return;
        }

        Field("_batchStates", $"{T}[]", $"new {T}[Batch * {N}.StateLength]");
        Field("_batchInputs", $"{X}[]", $"new {X}[Batch * {InputWidth}]");
        Field("_batchOutputs", $"{T}[]", $"new {T}[Batch * Output]");
        Field("_batchRow", $"{T}[]", Sizes.CrossEntropy ? $"new {T}[{N}.OutputPadded]" : $"global::System.Array.Empty<{T}>()");
    }

    /// <summary>
    /// The checks every padded-batch member starts with, before anything changes: the shape (which gives steps and
    /// rows), then with <paramref name="targets"/> the targets' length, then the ids at valid positions.
    /// </summary>
    private string[] BatchChecks(bool targets)
    {
        var lines = new List<string>
        {
            $"int steps = {Batched}.Steps(inputs.Length, lengths, Batch, MaxSteps, {InputWidth}, \"{(Spec.TokenInput ? "token id" : "value")}\");",
            $"int rows = {(Sizes.LastStep ? "1" : "steps")};",
        };
        if (targets)
        {
            lines.Add($"{Batched}.Targets(targets.Length, lengths.Length, rows, {PerTarget}, {(Sizes.CrossEntropy ? "\"class id\"" : "\"value\"")});");
        }

        if (Spec.TokenInput)
        {
            lines.Add($"{Batched}.Ids(inputs, lengths, steps, false, Vocab, \"Vocab\", false, \"inputs\");");
        }

        if (targets && Sizes.CrossEntropy)
        {
            lines.Add($"{Batched}.Ids(targets, lengths, rows, {LastStep}, Output, \"Output\", true, \"targets\");");
        }

        return lines.ToArray();
    }

    private string PerTarget => Sizes.CrossEntropy ? "1" : "Output";

    private string LastStep => Sizes.LastStep ? "true" : "false";

    private ApiParameter Lengths => P($"{ReadOnlySpan}<int>", "lengths");

    /// <summary>The documentation of a padded-batch member: its summary, the inputs and lengths, its own params, the exception.</summary>
    private string[] BatchDocs(string summary, params string[] more) => Doc(new[]
    {
        $"<summary>{summary} Each sequence starts from the zero state; positions past its length are never read.</summary>",
        $"<param name=\"inputs\">n padded sequences, row after row: {(Spec.TokenInput ? "<c>[n, steps]</c> token ids" : "<c>[n, steps, Input]</c> values")}, with steps at most <see cref=\"MaxSteps\"/>.</param>",
        "<param name=\"lengths\">Each sequence's length, 1 to steps; n = lengths.Length is at most <see cref=\"Batch\"/>.</param>",
    }.Concat(more).Concat(new[] { "<exception cref=\"global::System.ArgumentException\">A shape, a length or an id does not fit; nothing changes.</exception>" }).ToArray());

    private string BatchTargetsDoc => "<param name=\"targets\">" + (Sizes.CrossEntropy
        ? (Sizes.LastStep ? "<c>[n]</c> class ids (or -100)" : "<c>[n, steps]</c> class ids (or -100)")
        : (Sizes.LastStep ? "<c>[n, Output]</c> values" : "<c>[n, steps, Output]</c> values")) + ", in the same layout; positions past a length may hold anything.</param>";

    /// <summary>
    /// Forward, Predict and Probabilities over a padded batch with lengths (PyTorch's batch_first layout), run by the
    /// runtime's PaddedBatch through the batched Step, one time step for every sequence at once.
    /// </summary>
    private void AddPaddedBatch()
    {
        string rowsOf = $"var batch = new global::RnnGen.Runtime.Rows<{T}, {X}>(inputs, lengths, steps, {InputWidth}, Output, {LastStep}, _batchStates, {N}.StateLength, _batchInputs, _batchOutputs, _batchRow);";
        string Run(string what, string rest) => $"{Batched}.{what}<{T}, {X}, {N}.Streams>(_parameters, _workspace, batch, {rest})";
        string[] Body(bool targets, params string[] more) => BatchChecks(targets).Concat(more).ToArray();

        Method("Forward", T, new[] { Inputs, Targets, Lengths }, BatchDocs(
            $"The loss summed over every valid {(Sizes.LastStep ? "sequence's last step" : "step")} of every sequence: what <c>Forward</c> of each sequence alone sums to, up to rounding.",
            BatchTargetsDoc), Body(true, rowsOf, $"return {Run(Sizes.CrossEntropy ? "CrossEntropy" : "SquaredError", "targets")};"));

        string destination = Sizes.CrossEntropy ? "classes" : "outputs";
        Method("Predict", "int", new[] { Inputs, Lengths, P(Sizes.CrossEntropy ? $"{Span}<int>" : $"{Span}<{T}>", destination) }, BatchDocs(
            Sizes.CrossEntropy ? "The most likely class of every sequence at each valid step." : "The head's outputs of every sequence at each valid step.",
            $"<param name=\"{destination}\">Receives {(Sizes.CrossEntropy ? "<c>[n, rows]</c> class ids" : "<c>[n, rows, Output]</c> values")} (rows: steps, or 1 with <c>Outputs.LastStep</c>); positions past a length are left as they were.</param>",
            "<returns>The number of elements the layout spans.</returns>"), Body(false,
            $"int written = {Batched}.Destination({destination}.Length, lengths.Length, rows, {PerTarget}, nameof({destination}));",
            rowsOf, Run(Sizes.CrossEntropy ? "Classes" : "Values", Sizes.CrossEntropy ? "classes" : "outputs, softmax: false") + ";", "return written;"));
        if (Sizes.CrossEntropy)
        {
            Method("Probabilities", "int", new[] { Inputs, Lengths, P($"{Span}<{T}>", "destination") }, BatchDocs(
                "Each class's probability for every sequence at each valid step: the softmax of the logits.",
                "<param name=\"destination\">Receives <c>[n, rows, Output]</c> probabilities (rows: steps, or 1 with <c>Outputs.LastStep</c>); positions past a length are left as they were.</param>",
                "<returns>The number of elements the layout spans.</returns>"), Body(false,
                $"int written = {Batched}.Destination(destination.Length, lengths.Length, rows, Output, nameof(destination));",
                rowsOf, Run("Values", "destination, softmax: true") + ";", "return written;"));
        }
    }

    /// <summary>
    /// Backward over a padded batch with lengths, on every model with Batch &gt; 1, the whole batch checked first. Where
    /// the network has a packed pass (<c>PackedTraining</c>), the batch goes through it in one call: packed by the
    /// runtime's PackedBatch (buffers allocated at the first call), each weight read once per step for every sequence.
    /// Otherwise each sequence runs the single-sequence Backward on its own valid steps (a bidirectional model's reverse
    /// direction over them, as pack_padded_sequence does), adding its gradients.
    /// </summary>
    private void AddBatchBackward()
    {
        if (_network.PackedTraining is null)
        {
            Method("Backward", T, new[] { Inputs, Targets, Lengths }, BatchDocs(
                "The loss summed over every valid step of every sequence (as <c>Forward(inputs, targets, lengths)</c>), and adds its gradients: what <c>Backward</c> of each sequence alone adds. The sequences run one after the other.",
                BatchTargetsDoc), BatchChecks(targets: true).Concat(EachSequence(targets: true, $"{T} loss = 0;",
                $"loss += {N}.Backward(_parameters, _gradients, _workspace, x, y, CheckSequence(x, y), ref {NullState}{Team}{Dropout}{Uncomposed});"))
                .Concat(new[] { "return loss;" }).ToArray());
            return;
        }

        string packed = $"global::RnnGen.Runtime.PackedBatch<{T}, {X}, {Y}>";
        Field("_packed", packed + "?", "", readOnly: false);
        Method("Backward", T, new[] { Inputs, Targets, Lengths }, BatchDocs(
            "The loss summed over every valid step of every sequence (as <c>Forward(inputs, targets, lengths)</c>), and adds its gradients: what <c>Backward</c> of each sequence alone adds, up to rounding. One pass over the whole batch, each weight read once per step for all its sequences; its buffers are allocated at the first call.",
            BatchTargetsDoc), BatchChecks(targets: true).Concat(new[]
        {
            $"var packed = _packed ??= new {packed}(Batch, MaxSteps, {InputWidth}, {PerTarget}, {LastStep}, {N}.PackedWorkspaceLength);",
            "packed.Pack(inputs, targets, lengths, steps);",
            $"return {N}.BackwardBatch(_parameters, _gradients, packed.Workspace, packed.Inputs, packed.Targets, packed.Sizes, {(Sizes.LastStep ? "packed.Last, " : "")}packed.Steps, packed.Rows);",
        }).ToArray());
    }

    /// <summary>
    /// Forward, Predict and Probabilities over a padded batch on a model without a batched Step (a bidirectional one: its
    /// reverse direction starts at each sequence's own last valid step, as over PyTorch's packed sequences): the batch
    /// is checked whole, then each sequence runs the single-sequence member over its valid steps.
    /// </summary>
    private void AddSequentialBatch()
    {
        const string OneByOne = " The sequences run one after the other.";
        Method("Forward", T, new[] { Inputs, Targets, Lengths }, BatchDocs(
            $"The loss summed over every valid {(Sizes.LastStep ? "sequence's last step" : "step")} of every sequence: what <c>Forward</c> of each sequence alone sums to.{OneByOne}",
            BatchTargetsDoc), BatchChecks(targets: true).Concat(EachSequence(targets: true, $"{T} loss = 0;",
            $"loss += {N}.Forward(_parameters, _workspace, x, y, CheckSequence(x, y), ref {NullState}{Team});")).Concat(new[] { "return loss;" }).ToArray());

        string destination = Sizes.CrossEntropy ? "classes" : "outputs";
        Method("Predict", "int", new[] { Inputs, Lengths, P(Sizes.CrossEntropy ? $"{Span}<int>" : $"{Span}<{T}>", destination) }, BatchDocs(
            (Sizes.CrossEntropy ? "The most likely class of every sequence at each valid step." : "The head's outputs of every sequence at each valid step.") + OneByOne,
            $"<param name=\"{destination}\">Receives {(Sizes.CrossEntropy ? "<c>[n, rows]</c> class ids" : "<c>[n, rows, Output]</c> values")} (rows: steps, or 1 with <c>Outputs.LastStep</c>); positions past a length are left as they were.</param>",
            "<returns>The number of elements the layout spans.</returns>"), BatchChecks(targets: false).Concat(EachSequence(targets: false,
            $"int written = {Batched}.Destination({destination}.Length, lengths.Length, rows, {PerTarget}, nameof({destination}));",
            $"{N}.Predict(_parameters, _workspace, x, lengths[m], {destination}.Slice(m * rows * {PerTarget}){(Sizes.CrossEntropy ? ", default" : "")}, ref {NullState}{Team});"))
            .Concat(new[] { "return written;" }).ToArray());
        if (Sizes.CrossEntropy)
        {
            Method("Probabilities", "int", new[] { Inputs, Lengths, P($"{Span}<{T}>", "destination") }, BatchDocs(
                "Each class's probability for every sequence at each valid step: the softmax of the logits." + OneByOne,
                "<param name=\"destination\">Receives <c>[n, rows, Output]</c> probabilities (rows: steps, or 1 with <c>Outputs.LastStep</c>); positions past a length are left as they were.</param>",
                "<returns>The number of elements the layout spans.</returns>"), BatchChecks(targets: false).Concat(EachSequence(targets: false,
                $"int written = {Batched}.Destination(destination.Length, lengths.Length, rows, Output, nameof(destination));",
                $"{N}.Predict(_parameters, _workspace, x, lengths[m], default, destination.Slice(m * rows * Output), ref {NullState}{Team});"))
                .Concat(new[] { "return written;" }).ToArray());
        }
    }

    /// <summary>
    /// After <paramref name="before"/>, runs <paramref name="call"/> for each sequence m of a checked padded batch, with
    /// x its valid inputs and (with <paramref name="targets"/>) y its valid targets.
    /// </summary>
    private string[] EachSequence(bool targets, string before, string call)
    {
        var lines = new List<string>
        {
            before,
            "for (int m = 0; m < lengths.Length; m++)",
            "{",
            $"    var x = inputs.Slice(m * steps * {InputWidth}, lengths[m] * {InputWidth});",
        };
        if (targets)
        {
            lines.Add($"    var y = targets.Slice(m * rows * {PerTarget}, {(Sizes.LastStep ? "1" : "lengths[m]")} * {PerTarget});");
        }

        lines.Add("    " + call);
        lines.Add("}");
        return lines.ToArray();
    }

    /// <summary>A cref to the single-stream Step: with a batched Step beside it, a bare "Step" is ambiguous (CS0419).</summary>
    internal static string StepCref(Network network) => !network.Sizes.StepsBatch ? "Step" :
        $"Step(ref State, {(network.Spec.TokenInput ? "int" : $"global::System.ReadOnlySpan{{{network.T}}}")}, global::System.Span{{{network.T}}})";

    private void AddStepBatch()
    {
        string[] tokens = Spec.TokenInput ? new[] { $"{Guard}.TokenIds(inputs, Vocab, nameof(inputs));" } : new string[0];
        Method("Step", "void", new[] { P($"{Span}<State>", "states"), P($"{ReadOnlySpan}<{X}>", "inputs"), P($"{Span}<{T}>", "outputs") }, Doc(
            "<summary>",
            "Advances up to <see cref=\"Batch\"/> independent streams by one step each, in one call that reads every weight once",
            "for all of them: the same as <c>Step(ref states[i], ...)</c> for each stream i, up to rounding.",
            "</summary>",
            "<param name=\"states\">One state per stream, each advanced in place; at most <see cref=\"Batch\"/>.</param>",
            Spec.TokenInput
                ? "<param name=\"inputs\">One token id per stream: <c>[states.Length]</c>.</param>"
                : "<param name=\"inputs\">Each stream's Input values, stream after stream: <c>[states.Length, Input]</c>.</param>",
            "<param name=\"outputs\">Receives each stream's <see cref=\"Output\"/> values, stream after stream: <c>[states.Length, Output]</c>; a longer span keeps the rest.</param>"), new[]
        {
            $"{Guard}.Streams(states.Length, Batch, nameof(states));",
            $"{Guard}.StreamInputs(inputs.Length, states.Length, {(Spec.TokenInput ? "1, \"token id\"" : "Input, \"value\"")}, nameof(inputs));",
        }.Concat(tokens).Concat(new[]
        {
            $"{Guard}.StreamOutputs(outputs.Length, states.Length, Output, nameof(outputs));",
            "if (states.IsEmpty) return;",
            $"{N}.StepBatch(_parameters, _workspace, ref global::System.Runtime.InteropServices.MemoryMarshal.GetReference(states).Data, states.Length, inputs, outputs);",
        }).ToArray(), attribute: FirstCallOptimised);
    }

    private void AddGenerate() => Method("Generate", "int", new[]
    {
        P($"{ReadOnlySpan}<int>", "prompt"), P($"{Span}<int>", "destination"), P(T, "temperature"), P("global::RnnGen.RnnRandom", "random", "ref"),
        P("int", "endToken", @default: "-1"), P("int", "avoidToken", @default: "-1"),
    }, Doc(
        "<summary>",
        "Generates text: feeds <paramref name=\"prompt\"/>, then repeatedly samples the next token from softmax(y / temperature)",
        "and feeds it back, until <paramref name=\"endToken\"/> has been written or <paramref name=\"destination\"/> is full.",
        "</summary>",
        "<param name=\"prompt\">At least one token, e.g. the sentence-start token.</param>",
        "<param name=\"destination\">Receives the generated tokens (not the prompt).</param>",
        "<param name=\"temperature\">Above 1 flattens, below 1 sharpens the distribution; 0 always takes the most likely token.</param>",
        "<param name=\"random\">The random source; the same seed gives the same text.</param>",
        "<param name=\"endToken\">Stop after writing this token; -1 for none.</param>",
        "<param name=\"avoidToken\">Never sample this token (e.g. the unknown-word token); -1 for none.</param>",
        "<returns>The number of tokens written.</returns>"), new[]
    {
        $"{Guard}.NotEmpty(prompt.Length, \"Generate needs at least one token to start from, e.g. the sentence-start token\", nameof(prompt));",
        $"{Guard}.TokenIds(prompt, Vocab, nameof(prompt));",
        $"{Guard}.Temperature(temperature, nameof(temperature));",
        $"{Guard}.OptionalClassId(endToken, Output, nameof(endToken));",
        $"{Guard}.OptionalClassId(avoidToken, Output, nameof(avoidToken));",
        "var state = default(State);",
        $"return {N}.Generate(_parameters, _workspace, ref state.Data, prompt, destination, temperature, ref random, endToken, avoidToken);",
    });

    private void AddWeights()
    {
        const string stream = "global::System.IO.Stream";
        Method("LoadWeights", "void", new[] { P(stream, "safetensors") }, Inherited, new[] { "LoadWeights(safetensors, null)" }, expression: true, guarded: false);
        Method("LoadWeights", "void", new[] { P(stream, "safetensors"), P("global::RnnGen.WeightLoadOptions?", "options") }, Doc(
            $"<inheritdoc cref=\"{Contract}.LoadWeights\"/>",
            "<param name=\"safetensors\">The file's contents.</param>",
            "<param name=\"options\">Loading options, e.g. whether non-finite values are accepted.</param>"), new[]
        {
            "global::System.ArgumentNullException.ThrowIfNull(safetensors);",
            $"global::RnnGen.Runtime.WeightIO.Load<{T}>(safetensors, Parameters, {N}.Tensors, {N}.Identity, options);",
        });
        Method("SaveWeights", "void", new[] { P(stream, "safetensors") }, Inherited, new[]
        {
            "global::System.ArgumentNullException.ThrowIfNull(safetensors);",
            $"global::RnnGen.Runtime.WeightIO.Save<{T}>(safetensors, Parameters, {N}.Tensors, {N}.Metadata);",
        });
        Method("SaveGradients", "void", new[] { P(stream, "safetensors") }, Inherited, new[]
        {
            "global::System.ArgumentNullException.ThrowIfNull(safetensors);",
            $"global::RnnGen.Runtime.WeightIO.Save<{T}>(safetensors, Gradients, {N}.Tensors, {N}.Metadata);",
        });
    }

    private void AddChecks()
    {
        string[] inputs = Spec.TokenInput
            ? new[] { $"{Guard}.SequenceLength(inputs.Length, MaxSteps, nameof(inputs));", $"{Guard}.TokenIds(inputs, Vocab, nameof(inputs));", "return inputs.Length;" }
            : new[] { $"return {Guard}.DenseSteps(inputs.Length, Input, MaxSteps, nameof(inputs));" };
        _members.Add(new ApiMember(MemberKind.Method, "CheckInputs", "int", new string[0]) { Access = "private", Modifiers = "static", Parameters = new[] { Inputs }, Body = inputs });
        var sequence = new List<string>
        {
            "int steps = CheckInputs(inputs);",
            Sizes.CrossEntropy
                ? $"{Guard}.ClassTargets(targets.Length, {GuardSteps}, nameof(targets));"
                : $"{Guard}.ValueTargets(targets.Length, {GuardSteps}, Output, nameof(targets));",
        };
        if (Sizes.CrossEntropy)
        {
            sequence.Add($"{Guard}.ClassIds(targets, Output, nameof(targets));");
        }

        sequence.Add("return steps;");
        _members.Add(new ApiMember(MemberKind.Method, "CheckSequence", "int", new string[0]) { Access = "private", Modifiers = "static", Parameters = new[] { Inputs, Targets }, Body = sequence });
    }
}
