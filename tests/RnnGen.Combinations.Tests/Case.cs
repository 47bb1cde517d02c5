using System;
using RnnGen;

namespace RnnGen.Combinations.Tests;

public delegate void TokenStep<TModel, TState>(TModel model, ref TState state, int input, Span<double> output);

public delegate void DenseStep<TModel, TState>(TModel model, ref TState state, ReadOnlySpan<double> input, Span<double> output);

/// <summary>
/// One model of the table with a sequence prepared for it, seen through operations every test
/// needs, whatever the model's input and target types. The sequence is stored typed, so the hot
/// calls (Forward, Backward, SgdStep, Predict, a pass of Step) allocate nothing of their own.
/// </summary>
public abstract class Case
{
    public const int Width = 3;   // Input and Output of every model in the table
    public const int Vocabulary = 6;

    protected Case(string name, int truncate, Outputs outputs, Loss loss)
    {
        Name = name;
        Truncate = truncate;
        Outputs = outputs;
        Loss = loss;
    }

    public string Name { get; }
    public int Truncate { get; }
    public Outputs Outputs { get; }
    public Loss Loss { get; }
    public int Steps { get; protected set; }

    public abstract Span<double> Parameters { get; }
    public abstract Span<double> Gradients { get; }

    public abstract void Initialize(int seed);
    public abstract void Prepare(int steps, ulong seed);
    public abstract double Forward();
    public abstract double Backward();
    public abstract double SgdStep(double learningRate);
    public abstract void ZeroGradients();

    /// <summary>Predict's results, as doubles: class ids or output values.</summary>
    public abstract double[] Predict();

    /// <summary>Step over the whole sequence from the zero state; the head's outputs of every step, [steps, Width].</summary>
    public abstract double[] StepOutputs();

    /// <summary>Step over the sequence without keeping anything (for allocation measurements).</summary>
    public abstract void StepThrough();

    /// <summary>The summed loss of per-step head outputs [steps, Width], every window from step 0: what Forward scores.</summary>
    public abstract double LossOfOutputs(double[] stepped);

    /// <summary>Records the state entering every step, with the current parameters.</summary>
    public abstract void Freeze();

    /// <summary>
    /// The objective whose exact gradient BPTT computes: each loss runs its window of steps from the frozen
    /// state entering the window (held constant); full BPTT's window starts at step 0.
    /// </summary>
    public abstract double Objective();

    public override string ToString() => Name;

    public int FirstStepOfWindow(int t) => Truncate > 0 ? Math.Max(0, t - Truncate) : 0;

    public static Case Token<TModel, TState, TTarget>(string name, int truncate, Outputs outputs, Loss loss, TokenStep<TModel, TState> step)
        where TModel : IRnnModel<double, int, TTarget>, new()
        where TState : struct
        where TTarget : unmanaged
        => new Typed<TModel, TState, int, TTarget>(name, truncate, outputs, loss,
            (TModel m, ref TState s, int[] inputs, int t, Span<double> o) => step(m, ref s, inputs[t], o));

    public static Case Dense<TModel, TState, TTarget>(string name, int truncate, Outputs outputs, Loss loss, DenseStep<TModel, TState> step)
        where TModel : IRnnModel<double, double, TTarget>, new()
        where TState : struct
        where TTarget : unmanaged
        => new Typed<TModel, TState, double, TTarget>(name, truncate, outputs, loss,
            (TModel m, ref TState s, double[] inputs, int t, Span<double> o) => step(m, ref s, inputs.AsSpan(t * Width, Width), o));

    private delegate void StepAt<TModel, TState, TInput>(TModel model, ref TState state, TInput[] inputs, int t, Span<double> output);

    private sealed class Typed<TModel, TState, TInput, TTarget> : Case
        where TModel : IRnnModel<double, TInput, TTarget>, new()
        where TState : struct
        where TInput : unmanaged
        where TTarget : unmanaged
    {
        private readonly TModel _model = new();
        private readonly StepAt<TModel, TState, TInput> _step;
        private readonly double[] _output = new double[Width];
        private TInput[] _inputs = Array.Empty<TInput>();
        private TTarget[] _targets = Array.Empty<TTarget>();
        private TTarget[] _predicted = Array.Empty<TTarget>();
        private TState[] _frozen = Array.Empty<TState>();

        public Typed(string name, int truncate, Outputs outputs, Loss loss, StepAt<TModel, TState, TInput> step)
            : base(name, truncate, outputs, loss) => _step = step;

        public override Span<double> Parameters => _model.Parameters;
        public override Span<double> Gradients => _model.Gradients;

        public override void Initialize(int seed) => _model.Initialize(seed);

        public override void Prepare(int steps, ulong seed)
        {
            Steps = steps;
            var random = new RnnRandom(seed);
            _inputs = typeof(TInput) == typeof(int)
                ? (TInput[])(object)Array.ConvertAll(new int[steps], _ => random.NextInt32(Vocabulary))
                : (TInput[])(object)Array.ConvertAll(new double[steps * Width], _ => random.NextDouble(-1, 1));
            int rows = Outputs == Outputs.LastStep ? 1 : steps;
            _targets = typeof(TTarget) == typeof(int)
                ? (TTarget[])(object)Array.ConvertAll(new int[rows], _ => random.NextInt32(Width))
                : (TTarget[])(object)Array.ConvertAll(new double[rows * Width], _ => random.NextDouble(-1, 1));
            _predicted = new TTarget[_targets.Length];
        }

        public override double Forward() => _model.Forward(_inputs, _targets);
        public override double Backward() => _model.Backward(_inputs, _targets);
        public override double SgdStep(double learningRate) => _model.SgdStep(_inputs, _targets, learningRate);
        public override void ZeroGradients() => _model.ZeroGradients();

        public override double[] Predict()
        {
            _model.Predict(_inputs, _predicted);
            return Array.ConvertAll(_predicted, v => Convert.ToDouble(v));
        }

        public override double[] StepOutputs()
        {
            var all = new double[Steps * Width];
            var state = default(TState);
            for (int t = 0; t < Steps; t++)
            {
                _step(_model, ref state, _inputs, t, all.AsSpan(t * Width, Width));
            }

            return all;
        }

        public override void StepThrough()
        {
            var state = default(TState);
            for (int t = 0; t < Steps; t++)
            {
                _step(_model, ref state, _inputs, t, _output);
            }
        }

        public override void Freeze()
        {
            _frozen = new TState[Steps + 1];
            for (int s = 0; s < Steps; s++)
            {
                TState state = _frozen[s];
                _step(_model, ref state, _inputs, s, _output);
                _frozen[s + 1] = state;
            }
        }

        public override double Objective()
        {
            double loss = 0;
            int firstLoss = Outputs == Outputs.LastStep ? Steps - 1 : 0;
            for (int t = firstLoss; t < Steps; t++)
            {
                int start = FirstStepOfWindow(t);
                TState state = _frozen[start];
                for (int s = start; s <= t; s++)
                {
                    _step(_model, ref state, _inputs, s, _output);
                }

                loss += LossOf(_output, Outputs == Outputs.LastStep ? 0 : t);
            }

            return loss;
        }

        public override double LossOfOutputs(double[] stepped)
        {
            double loss = 0;
            int firstLoss = Outputs == Outputs.LastStep ? Steps - 1 : 0;
            for (int t = firstLoss; t < Steps; t++)
            {
                loss += LossOf(stepped.AsSpan(t * Width, Width).ToArray(), Outputs == Outputs.LastStep ? 0 : t);
            }

            return loss;
        }

        /// <summary>The loss of head outputs y against target row r, written out independently of the generator.</summary>
        private double LossOf(double[] y, int r)
        {
            if (_targets is int[] classes)
            {
                double max = Math.Max(y[0], Math.Max(y[1], y[2]));
                double sum = Math.Exp(y[0] - max) + Math.Exp(y[1] - max) + Math.Exp(y[2] - max);
                return Math.Log(sum) + max - y[classes[r]];
            }

            var values = (double[])(object)_targets;
            double squares = 0;
            for (int o = 0; o < Width; o++)
            {
                double d = y[o] - values[r * Width + o];
                squares += d * d;
            }

            return squares;
        }
    }
}
