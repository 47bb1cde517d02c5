using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using RnnGen;
using RnnGen.Samples;
using RnnGen.Training;

namespace LanguageModel;

/// <summary>What to train on and how; the command line maps onto it one to one.</summary>
internal sealed record LanguageModelOptions
{
    public bool CharacterLevel { get; init; }
    public string? TextFile { get; init; }
    public bool Embedding { get; init; }
    public int Sentences { get; init; } = 20000;
    public int Epochs { get; init; } = 10;
    public int Seed { get; init; } = 1;
    public string? Optimizer { get; init; }
    public double? LearningRate { get; init; }
    public int BatchSize { get; init; } = 1;
    public double Temperature { get; init; } = 1.0;
    public int SampleCount { get; init; } = 8;
    public string OutputDirectory { get; init; } = Path.Combine("out", "language-model");
    public bool Resume { get; init; }
    public bool Live { get; init; }
}

/// <summary>What a run measured, for the smoke tests as much as for the console.</summary>
internal sealed record LanguageModelResult(
    double UntrainedLoss, double HeldOutLoss, TrainingResult Training, int ResumedEpochs,
    IReadOnlyList<string> Samples, string Checkpoint, string Weights, string LossChart);

/// <summary>
/// The RNN tutorial's language model end to end, at word level (a corpus, the most frequent words plus an
/// unknown token, sentences wrapped in start and end tokens, SGD with the tutorial's schedule, sentences sampled
/// without the unknown token) or at character level (min-char-rnn's Adagrad and clipping, one long text cut into
/// chunks with the state carried across them).
/// </summary>
internal static class LanguageModelSample
{
    public static LanguageModelResult Run(LanguageModelOptions options, TextWriter output, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(options.OutputDirectory);
        if (options.CharacterLevel && options.Embedding)
        {
            throw new SampleArgsException("--embedding applies to the word-level models; the character model reads its 96 ids one-hot.");
        }

        return (options.CharacterLevel, options.TextFile is null, options.Embedding) switch
        {
            (true, _, _) => RunCharacters(options, output, cancellationToken),
            (false, true, false) => RunWords<WordModel>(options, output, cancellationToken),
            (false, true, true) => RunWords<EmbeddedWordModel>(options, output, cancellationToken),
            (false, false, false) => RunWords<TextWordModel>(options, output, cancellationToken),
            (false, false, true) => RunWords<TextEmbeddedWordModel>(options, output, cancellationToken),
        };
    }

    private static string LoadText(string path)
    {
        if (!File.Exists(path)) throw new SampleArgsException($"--text: there is no file '{path}'.");
        return File.ReadAllText(path); // UTF-8, with or without a byte order mark
    }

    private static LanguageModelResult RunWords<TModel>(LanguageModelOptions options, TextWriter output, CancellationToken cancellationToken)
        where TModel : class, ILanguageModel, new()
    {
        // 1. Corpus and vocabulary.
        List<List<string>> corpus;
        string source;
        if (options.TextFile is { } file)
        {
            corpus = TextCorpus.Sentences(LoadText(file));
            source = $"{corpus.Count:N0} sentences from {Path.GetFileName(file)}";
        }
        else
        {
            var grammar = new Grammar((ulong)options.Seed);
            corpus = Enumerable.Range(0, options.Sentences).Select(_ => grammar.Sentence()).ToList();
            source = $"{corpus.Count:N0} sentences from a probabilistic grammar";
        }

        int longest = TModel.LongestSequence - 1; // <s> w1 .. wn </s>: n + 1 inputs
        int tooLong = corpus.RemoveAll(s => s.Count > longest);
        if (corpus.Count < 2) throw new SampleArgsException("The text has fewer than two sentences short enough to train on.");
        var vocabulary = new Vocabulary(corpus, TModel.VocabularySize);
        int[][] encoded = corpus.Select(vocabulary.Encode).ToArray();
        int heldOutCount = Math.Max(1, encoded.Length / 10);
        var random = new RnnRandom((ulong)options.Seed + 3);
        random.Shuffle<int[]>(encoded); // held-out sentences from all over the text
        int unknown = encoded.Sum(s => s.Count(id => id == vocabulary.UnknownId));
        List<TrainingSequence<int, int>> train = encoded[heldOutCount..].Select(NextWord).ToList();
        List<TrainingSequence<int, int>> heldOut = encoded[..heldOutCount].Select(NextWord).ToList();

        output.WriteLine("RnnGen language model sample: word level");
        output.WriteLine($"corpus     {source}, {vocabulary.DistinctWords:N0} distinct words{(tooLong > 0 ? $" ({tooLong:N0} sentences over {longest} words left out)" : "")}");
        output.WriteLine($"vocabulary {TModel.VocabularySize:N0} ids: the {TModel.VocabularySize - 3:N0} most frequent words + {Vocabulary.Unknown} {Vocabulary.Start} {Vocabulary.End} ({unknown:N0} words became {Vocabulary.Unknown})");
        output.WriteLine($"model      {TModel.Description}");
        output.WriteLine($"           an untrained model scores about ln({TModel.VocabularySize}) = {Math.Log(TModel.VocabularySize):F2} per word");

        // 2. Training: each position predicts the next word; the tutorial's SGD, halving the rate when the loss rises.
        var model = new TModel();
        model.Initialize(options.Seed);
        Optimizer<float> optimizer = CreateOptimizer(options, model.Parameters.Length, defaultName: "sgd");
        var trainer = new Trainer<float, int, int>(model, optimizer, new TrainerOptions
        {
            Epochs = options.Epochs,
            BatchSize = options.BatchSize,
            Seed = (ulong)options.Seed,
            Schedule = LearningRateSchedule.ReduceWhenLossRises(0.5),
            CheckpointPath = Path.Combine(options.OutputDirectory, "word.ckpt"),
        });
        double untrained = trainer.Evaluate(heldOut);
        int resumed = Resume(trainer, options, "word", vocabulary.Describe(), output);
        output.WriteLine($"training   {optimizer.Name} (learning rate {optimizer.LearningRate}, halved when the held-out loss rises), {train.Count:N0} sentences, {heldOut.Count:N0} held out; untrained held-out loss {untrained:F3}/word");
        output.WriteLine();
        var trace = new LossTrace();
        TrainingResult result = TrainingDisplay.Fit(trainer, train, heldOut, "word", output, options.Live, trace, cancellationToken);

        // 3. Generation: start from <s>, sample until </s>, never the unknown token.
        output.WriteLine();
        output.WriteLine($"sentences sampled from the trained model (temperature {options.Temperature}):");
        var sampler = new RnnRandom((ulong)options.Seed + 2);
        var buffer = new int[TModel.LongestSequence];
        var samples = new List<string>();
        for (int n = 0; n < options.SampleCount; n++)
        {
            // A text with fewer distinct words than the model's Vocab leaves ids unused; training makes them unlikely,
            // not impossible, so a sentence that draws one is drawn again.
            int length = 0;
            for (int attempt = 0; attempt < 100; attempt++)
            {
                length = model.Generate([vocabulary.StartId], buffer, (float)options.Temperature, ref sampler, vocabulary.EndId, vocabulary.UnknownId);
                if (!buffer.AsSpan(0, length).ContainsAnyInRange(vocabulary.Count, int.MaxValue)) break;
                length = 0;
            }

            string sentence = string.Join(' ', buffer.Take(length).Where(id => id != vocabulary.EndId).Select(vocabulary.Word));
            samples.Add(sentence);
            output.WriteLine("  " + sentence);
        }

        return Finish(model, trainer, result, untrained, resumed, samples, options, "word", "word", trace, output);

        static TrainingSequence<int, int> NextWord(int[] s) => new(s.AsMemory(0, s.Length - 1), s.AsMemory(1));
    }

    private static LanguageModelResult RunCharacters(LanguageModelOptions options, TextWriter output, CancellationToken cancellationToken)
    {
        // 1. One long text: a file, or the grammar's sentences one after another.
        string text, source;
        if (options.TextFile is { } file)
        {
            text = LoadText(file);
            source = Path.GetFileName(file);
        }
        else
        {
            var grammar = new Grammar((ulong)options.Seed);
            text = string.Join(' ', Enumerable.Range(0, options.Sentences).Select(_ => string.Join(' ', grammar.Sentence()).Replace(" .", ".")));
            source = $"{options.Sentences:N0} sentences from a probabilistic grammar";
        }

        var vocabulary = new CharVocabulary(text, CharModel.Vocab);
        int[] ids = vocabulary.Encode(text);
        if (ids.Length < 4 * CharModel.MaxSteps) throw new SampleArgsException("The text is too short for character-level training.");

        // Consecutive chunks: chunk k's targets are its inputs shifted by one, and chunk k + 1 continues it. The last
        // tenth of the text is held out.
        int split = ids.Length - Math.Max(ids.Length / 10, CharModel.MaxSteps + 1);
        List<TrainingSequence<int, int>> train = Chunks(ids.AsMemory(0, split + 1));
        List<TrainingSequence<int, int>> heldOut = Chunks(ids.AsMemory(split));

        output.WriteLine("RnnGen language model sample: character level");
        output.WriteLine($"corpus     {source}: {ids.Length:N0} characters, {vocabulary.DistinctCharacters} distinct");
        output.WriteLine($"vocabulary {CharModel.Vocab} ids: the {CharModel.Vocab - 1} most frequent characters + one for the rest");
        output.WriteLine($"model      {CharModel.Description}");
        output.WriteLine($"           an untrained model scores about ln({CharModel.Vocab}) = {Math.Log(CharModel.Vocab):F2} per character");

        // 2. Training: min-char-rnn's Adagrad with gradients clipped to ±5, chunks in order, state carried across.
        var model = new CharModel();
        model.Initialize(options.Seed);
        Optimizer<float> optimizer = CreateOptimizer(options, model.Parameters.Length, defaultName: "adagrad");
        var trainer = new CarriedStateTrainer(model, optimizer, new TrainerOptions
        {
            Epochs = options.Epochs,
            BatchSize = options.BatchSize,
            Shuffle = false,
            ClipValue = 5,
            Schedule = LearningRateSchedule.Constant,
            CheckpointPath = Path.Combine(options.OutputDirectory, "char.ckpt"),
        });
        double untrained = trainer.Evaluate(heldOut);
        int resumed = Resume(trainer, options, "char", vocabulary.Describe(), output);
        output.WriteLine($"training   {optimizer.Name} (learning rate {optimizer.LearningRate}), gradients clipped to ±5, {train.Count:N0} chunks of {CharModel.MaxSteps}, {heldOut.Count:N0} held out; untrained held-out loss {untrained:F3}/char");
        output.WriteLine();
        var trace = new LossTrace();
        TrainingResult result = TrainingDisplay.Fit(trainer, train, heldOut, "char", output, options.Live, trace, cancellationToken);

        // 3. Generation, one character at a time with Step: prime with the first characters of the text, then sample.
        //    Only characters of the vocabulary are drawn: a short text leaves ids unused, which Generate could still
        //    pick while their logits are merely low, and the unknown character is avoided.
        output.WriteLine();
        output.WriteLine($"text sampled from the trained model (temperature {options.Temperature}):");
        var sampler = new RnnRandom((ulong)options.Seed + 2);
        var samples = new List<string>();
        ReadOnlySpan<int> prompt = ids.AsSpan(0, Math.Min(4, ids.Length));
        var generated = new int[240];
        var logits = new float[CharModel.Output];
        for (int n = 0; n < Math.Min(options.SampleCount, 3); n++)
        {
            var state = default(CharModel.State);
            foreach (int id in prompt) model.Step(ref state, id, logits);
            for (int i = 0; i < generated.Length; i++)
            {
                generated[i] = Sample(logits.AsSpan(0, vocabulary.Count), options.Temperature, ref sampler);
                model.Step(ref state, generated[i], logits);
            }

            string sample = vocabulary.Decode(prompt) + vocabulary.Decode(generated);
            samples.Add(sample);
            output.WriteLine("  " + sample.ReplaceLineEndings(" "));
        }

        return Finish(model, trainer, result, untrained, resumed, samples, options, "char", "character", trace, output);

        static List<TrainingSequence<int, int>> Chunks(ReadOnlyMemory<int> ids)
        {
            var chunks = new List<TrainingSequence<int, int>>();
            for (int start = 0; start + 1 < ids.Length; start += CharModel.MaxSteps)
            {
                int length = Math.Min(CharModel.MaxSteps, ids.Length - 1 - start);
                chunks.Add(new TrainingSequence<int, int>(ids.Slice(start, length), ids.Slice(start + 1, length)));
            }

            return chunks;
        }
    }

    /// <summary>Draws from softmax(logits / temperature) over ids 1.. (id 0 is the unknown character); temperature 0 is the argmax.</summary>
    private static int Sample(ReadOnlySpan<float> logits, double temperature, ref RnnRandom random)
    {
        int best = 1;
        for (int i = 2; i < logits.Length; i++) best = logits[i] > logits[best] ? i : best;
        if (temperature == 0) return best;
        double total = 0;
        for (int i = 1; i < logits.Length; i++) total += Math.Exp((logits[i] - logits[best]) / temperature);
        double u = random.NextDouble() * total;
        for (int i = 1; i < logits.Length; i++)
        {
            u -= Math.Exp((logits[i] - logits[best]) / temperature);
            if (u < 0) return i;
        }

        return best;
    }

    private static Optimizer<float> CreateOptimizer(LanguageModelOptions options, int length, string defaultName) =>
        (options.Optimizer ?? defaultName) switch
        {
            "sgd" => new Sgd<float>(length, (float)(options.LearningRate ?? 0.01)),
            "momentum" => new Sgd<float>(length, (float)(options.LearningRate ?? 0.005), momentum: 0.9f),
            "adagrad" => new Adagrad<float>(length, (float)(options.LearningRate ?? 0.1)),
            _ => new Adam<float>(length, (float)(options.LearningRate ?? 0.002)),
        };

    /// <summary>With --resume, restores the checkpoint if there is one; the vocabulary beside it must be this run's.</summary>
    private static int Resume(Trainer<float, int, int> trainer, LanguageModelOptions options, string name, string vocabulary, TextWriter output)
    {
        string vocabularyFile = Path.Combine(options.OutputDirectory, name + ".vocab.txt");
        string checkpoint = trainer.Options.CheckpointPath!;
        if (options.Resume && File.Exists(checkpoint))
        {
            if (!File.Exists(vocabularyFile) || File.ReadAllText(vocabularyFile) != vocabulary)
            {
                throw new SampleArgsException($"--resume: {checkpoint} was trained on another corpus or vocabulary; run without --resume to start over.");
            }

            trainer.TryResume(checkpoint);
            output.WriteLine($"resumed    {checkpoint} after epoch {trainer.CompletedEpochs}");
            return trainer.CompletedEpochs;
        }

        if (options.Resume) output.WriteLine($"resumed    nothing: there is no {checkpoint} yet, so training starts from the beginning");
        AtomicFile.Write(vocabularyFile, stream => stream.Write(System.Text.Encoding.UTF8.GetBytes(vocabulary)));
        return 0;
    }

    private static LanguageModelResult Finish(IRnnModel<float, int, int> model, Trainer<float, int, int> trainer, TrainingResult result, double untrained, int resumed,
        List<string> samples, LanguageModelOptions options, string name, string unit, LossTrace trace, TextWriter output)
    {
        string weights = Path.Combine(options.OutputDirectory, name + ".safetensors");
        string chart = Path.Combine(options.OutputDirectory, name + "-loss.png");
        AtomicFile.Write(weights, model.SaveWeights);
        Charts.LossCurve(chart, result.History, $"RnnGen {name}-level language model", unit, untrained, trace);
        double heldOut = result.BestEpoch > 0 ? result.BestLoss : double.NaN;
        output.WriteLine();
        output.WriteLine($"held-out loss {untrained:F3} -> {heldOut:F3} per {unit} (best epoch {result.BestEpoch})");
        output.WriteLine($"written    {weights} (PyTorch names), {chart}, checkpoint {trainer.Options.CheckpointPath} (--resume continues from it)");
        return new LanguageModelResult(untrained, heldOut, result, resumed, samples, trainer.Options.CheckpointPath!, weights, chart);
    }

    /// <summary>Trains on consecutive chunks of one text, the state of each chunk's last step entering the next chunk.</summary>
    private sealed class CarriedStateTrainer(CharModel model, Optimizer<float> optimizer, TrainerOptions options)
        : Trainer<float, int, int>(model, optimizer, options)
    {
        private CharModel.State _training, _evaluation;

        protected override void OnEpochStarting(int epoch) => _training.Reset();

        protected override void OnEvaluationStarting() => _evaluation.Reset();

        protected override float Backward(in TrainingSequence<int, int> sequence) =>
            model.Backward(sequence.Inputs.Span, sequence.Targets.Span, ref _training);

        protected override float Forward(in TrainingSequence<int, int> sequence) =>
            model.Forward(sequence.Inputs.Span, sequence.Targets.Span, ref _evaluation);
    }
}
