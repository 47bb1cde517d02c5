using RnnGen.Generator.Model;

namespace RnnGen.Generator.Emit;

/// <summary>
/// The model's public contract (SPEC §6) inside the user's partial class: constants, storage,
/// argument checks, and thin methods that hand the checked call to the network class.
/// Every check runs before any state changes.
/// </summary>
internal static class ApiEmitter
{
    public static void Emit(CodeWriter w, EmitContext ctx)
    {
        ModelSpec s = ctx.Spec;
        string T = ctx.T, N = ctx.NetworkRef, G = EmitContext.GeneratedCode, name = EmitContext.Identifier(s.Type.Name);
        string span = "global::System.Span", rospan = "global::System.ReadOnlySpan";

        // Written out for every method: the compiler does not expand <inheritdoc path="/param"/>.
        const string sequenceDocs = """
            /// <param name="inputs">Token ids, 1..MaxSteps of them.</param>
            /// <param name="targets">One class id per input step.</param>
            """;
        const string sequenceErrors = """
            /// <exception cref="global::System.ArgumentException">Empty or too long, lengths differ, or an id is out of range; nothing changes.</exception>
            """;

        w.Lines($$"""
            /// <summary>Hidden units (PyTorch <c>hidden_size</c>).</summary>
            public const int Hidden = {{s.Hidden}};

            /// <summary>Vocabulary size: input token ids are <c>0..Vocab-1</c>.</summary>
            public const int Vocab = {{s.Vocab}};

            /// <summary>Output classes: one logit per class at every step.</summary>
            public const int Output = {{s.Output}};

            /// <summary>The longest sequence one call accepts.</summary>
            public const int MaxSteps = {{s.MaxSteps}};

            /// <summary>BPTT truncation: the loss at step t sends gradient back through steps t..t-Truncate; 0 is full BPTT.</summary>
            public const int Truncate = {{s.Truncate}};

            /// <summary>Trainable parameters, counted as PyTorch counts them.</summary>
            public const int ParameterCount = {{ctx.Layout.ParameterCount}};

            private readonly {{T}}[] _parameters = new {{T}}[{{N}}.ParameterLength];
            private readonly {{T}}[] _gradients = new {{T}}[{{N}}.ParameterLength];
            private readonly {{T}}[] _workspace = new {{T}}[{{N}}.WorkspaceLength];

            /// <summary>
            /// Creates the model: allocates every buffer it will ever use and initialises the parameters with seed 0.
            /// A model is not thread-safe; use one instance per thread.
            /// </summary>
            {{G}}
            public {{name}}() => Initialize(0);

            /// <summary>
            /// All parameters as one flat span in the generator's padded layout, for optimisers that work element by
            /// element. Padding entries are zero and must stay zero (their gradients are always zero). Use
            /// <see cref="SaveWeights"/> and <see cref="LoadWeights(global::System.IO.Stream)"/> for named tensors.
            /// </summary>
            public {{span}}<{{T}}> Parameters => _parameters;

            /// <summary>The gradients, in the same layout as <see cref="Parameters"/>.</summary>
            public {{span}}<{{T}}> Gradients => _gradients;

            /// <summary>
            /// Sets input weights uniform in ±1/sqrt(Vocab), recurrent and output weights uniform in ±1/sqrt(Hidden),
            /// biases to 0. The same seed always gives the same parameters.
            /// </summary>
            {{G}}
            public void Initialize(int seed) => global::RnnGen.Runtime.WeightInit.Uniform<{{T}}>(_parameters, {{N}}.Tensors, seed);

            /// <summary>Sets every gradient to zero.</summary>
            {{G}}
            public void ZeroGradients() => global::System.Array.Clear(_gradients);

            /// <summary>The summed cross-entropy loss of a sequence; no gradient work.</summary>
            {{sequenceDocs}}
            {{sequenceErrors}}
            {{G}}
            public {{T}} Forward({{rospan}}<int> inputs, {{rospan}}<int> targets)
            {
                CheckSequence(inputs, targets);
                return {{N}}.Forward(_parameters, _workspace, inputs, targets);
            }

            /// <summary>
            /// Runs forward and backpropagation through time, ADDS the gradient of the summed loss into
            /// <see cref="Gradients"/>, and returns the loss.
            /// </summary>
            {{sequenceDocs}}
            {{sequenceErrors}}
            {{G}}
            public {{T}} Backward({{rospan}}<int> inputs, {{rospan}}<int> targets)
            {
                CheckSequence(inputs, targets);
                return {{N}}.Backward(_parameters, _gradients, _workspace, inputs, targets);
            }

            /// <summary>
            /// One step of stochastic gradient descent: zeroes the gradients, runs <see cref="Backward"/>, then
            /// p -= learningRate · grad. Returns the loss before the update. Afterwards <see cref="Gradients"/> is
            /// unspecified: only what this sequence touches is cleared and updated.
            /// </summary>
            {{sequenceDocs}}
            /// <param name="learningRate">The step size.</param>
            {{sequenceErrors}}
            {{G}}
            public {{T}} SgdStep({{rospan}}<int> inputs, {{rospan}}<int> targets, {{T}} learningRate)
            {
                CheckSequence(inputs, targets);
                global::RnnGen.Runtime.Guard.Finite(learningRate);
                return {{N}}.SgdStep(_parameters, _gradients, _workspace, inputs, targets, learningRate);
            }

            /// <summary>The most likely class at every step (the first one on ties).</summary>
            /// <param name="inputs">Token ids, 1..MaxSteps of them.</param>
            /// <param name="classes">Receives one class id per input step.</param>
            {{G}}
            public void Predict({{rospan}}<int> inputs, {{span}}<int> classes)
            {
                global::RnnGen.Runtime.Guard.SequenceLength(inputs.Length, MaxSteps, nameof(inputs));
                global::RnnGen.Runtime.Guard.Ids(inputs, Vocab, "vocabulary", nameof(inputs));
                global::RnnGen.Runtime.Guard.Destination(classes.Length, inputs.Length, nameof(classes));
                {{N}}.Predict(_parameters, _workspace, inputs, classes);
            }

            /// <summary>
            /// The recurrent state carried from one <see cref="Step"/> to the next. <c>default</c> is the zero state
            /// every sequence starts from.
            /// </summary>
            public struct State
            {
                [global::System.Runtime.CompilerServices.InlineArray({{ctx.Layout.HiddenPadded}})]
                private struct Row
                {
                    private {{T}} _element;
                }

                private Row _hidden;

                /// <summary>The hidden state h_t: <see cref="Hidden"/> values.</summary>
                [global::System.Diagnostics.CodeAnalysis.UnscopedRef]
                public {{span}}<{{T}}> Hidden => (({{span}}<{{T}}>)_hidden).Slice(0, {{name}}.Hidden);

                /// <summary>Returns to the zero state.</summary>
                public void Reset() => this = default;

                [global::System.Diagnostics.CodeAnalysis.UnscopedRef]
                internal ref {{T}} Data => ref _hidden[0];
            }

            /// <summary>
            /// Advances <paramref name="state"/> by one token and writes the head's outputs y_t (logits) for it.
            /// Running <c>Step</c> over a sequence from <c>default</c> gives the same outputs as <see cref="Forward"/>.
            /// </summary>
            /// <param name="state">The state before the step; receives the state after it.</param>
            /// <param name="token">The input token id.</param>
            /// <param name="output">Receives <see cref="Output"/> values.</param>
            {{G}}
            public void Step(ref State state, int token, {{span}}<{{T}}> output)
            {
                global::RnnGen.Runtime.Guard.Id(token, Vocab, "vocabulary", nameof(token));
                global::RnnGen.Runtime.Guard.Destination(output.Length, Output, nameof(output));
                {{N}}.Step(_parameters, _workspace, ref state.Data, token, output);
            }

            """);

        if (StreamingEmitter.HasGenerate(ctx))
        {
            w.Lines($$"""
                /// <summary>
                /// Generates text: feeds <paramref name="prompt"/>, then repeatedly samples the next token from
                /// softmax(y / temperature) and feeds it back, until <paramref name="endToken"/> has been written or
                /// <paramref name="destination"/> is full.
                /// </summary>
                /// <param name="prompt">At least one token, e.g. the sentence-start token.</param>
                /// <param name="destination">Receives the generated tokens (not the prompt).</param>
                /// <param name="temperature">Above 1 flattens, below 1 sharpens the distribution; 0 always takes the most likely token.</param>
                /// <param name="random">The random source; the same seed gives the same text.</param>
                /// <param name="endToken">Stop after writing this token; -1 for none.</param>
                /// <param name="avoidToken">Never sample this token (e.g. the unknown-word token); -1 for none.</param>
                /// <returns>The number of tokens written.</returns>
                {{G}}
                public int Generate({{rospan}}<int> prompt, {{span}}<int> destination, {{T}} temperature, ref global::RnnGen.RnnRandom random, int endToken = -1, int avoidToken = -1)
                {
                    global::RnnGen.Runtime.Guard.SequenceLength(prompt.Length, int.MaxValue, nameof(prompt));
                    global::RnnGen.Runtime.Guard.Ids(prompt, Vocab, "vocabulary", nameof(prompt));
                    global::RnnGen.Runtime.Guard.NonNegativeFinite(temperature, nameof(temperature));
                    global::RnnGen.Runtime.Guard.OptionalId(endToken, Output, "output class", nameof(endToken));
                    global::RnnGen.Runtime.Guard.OptionalId(avoidToken, Output, "output class", nameof(avoidToken));
                    return {{N}}.Generate(_parameters, _workspace, prompt, destination, temperature, ref random, endToken, avoidToken);
                }

                """);
        }

        w.Lines($$"""
            /// <summary>
            /// Loads parameters from a safetensors stream with PyTorch's <c>state_dict</c> names and shapes
            /// (<c>rnn.weight_ih_l0</c> [{{ctx.Layout.Gates}}*Hidden, Vocab], ...). F32, F64, F16 and BF16 are read.
            /// </summary>
            /// <exception cref="global::System.IO.InvalidDataException">
            /// The file is malformed, or a tensor is missing, unexpected, of another shape or not finite; the message
            /// names the tensor and the model keeps its previous weights.
            /// </exception>
            {{G}}
            public void LoadWeights(global::System.IO.Stream safetensors) => LoadWeights(safetensors, null);

            /// <inheritdoc cref="LoadWeights(global::System.IO.Stream)"/>
            /// <param name="safetensors">The file's contents.</param>
            /// <param name="options">Loading options, e.g. whether non-finite values are accepted.</param>
            {{G}}
            public void LoadWeights(global::System.IO.Stream safetensors, global::RnnGen.WeightLoadOptions? options) =>
                global::RnnGen.Runtime.WeightIO.Load<{{T}}>(safetensors, _parameters, {{N}}.Tensors, {{N}}.Identity, options);

            /// <summary>Writes the parameters as safetensors with PyTorch's names ({{(T == "double" ? "F64" : "F32")}}), and the declaration in <c>__metadata__</c>.</summary>
            {{G}}
            public void SaveWeights(global::System.IO.Stream safetensors) =>
                global::RnnGen.Runtime.WeightIO.Save<{{T}}>(safetensors, _parameters, {{N}}.Tensors, {{N}}.Metadata);

            /// <summary>Writes the gradients as safetensors, under the names of the parameters they belong to.</summary>
            {{G}}
            public void SaveGradients(global::System.IO.Stream safetensors) =>
                global::RnnGen.Runtime.WeightIO.Save<{{T}}>(safetensors, _gradients, {{N}}.Tensors, {{N}}.Metadata);

            private static void CheckSequence({{rospan}}<int> inputs, {{rospan}}<int> targets)
            {
                global::RnnGen.Runtime.Guard.SequenceLength(inputs.Length, MaxSteps, nameof(inputs));
                global::RnnGen.Runtime.Guard.TargetLength(targets.Length, inputs.Length, "one target per step", nameof(targets));
                global::RnnGen.Runtime.Guard.Ids(inputs, Vocab, "vocabulary", nameof(inputs));
                global::RnnGen.Runtime.Guard.Ids(targets, Output, "output class", nameof(targets));
            }
            """);
    }
}
