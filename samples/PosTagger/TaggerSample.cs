using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using RnnGen;
using RnnGen.Samples;
using RnnGen.Training;

namespace PosTagger;

/// <summary>
/// A GRU tagger: word ids in, one of <see cref="Tags.Names"/> out at every step, cross-entropy per step. Batch = 32: it
/// tags up to 32 sentences of different lengths in one call (a padded batch with lengths).
/// </summary>
[RnnModel(Hidden = 48, Vocab = 128, Output = 8, Cell = CellType.Gru, MaxSteps = 40, Batch = 32)]
internal partial class TaggerModel { }

internal sealed record TaggerOptions
{
    public int Sentences { get; init; } = 6000;
    public int Epochs { get; init; } = 8;
    public int Seed { get; init; } = 1;
    public double LearningRate { get; init; } = 0.01;
    public int BatchSize { get; init; } = 16;
    public IReadOnlyList<string> Tag { get; init; } = [];
    public string OutputDirectory { get; init; } = Path.Combine("out", "pos-tagger");
    public bool Resume { get; init; }
    public bool Live { get; init; }
}

/// <param name="Accuracy">The fraction of held-out words tagged correctly.</param>
/// <param name="Confusion">Held-out counts, [true tag, predicted tag].</param>
/// <param name="Tagged">Each sentence to tag, as word/tag pairs.</param>
internal sealed record TaggerResult(double Accuracy, int[,] Confusion, int HeldOutWords, TrainingResult Training, IReadOnlyList<string> Tagged);

internal static class TaggerSample
{
    public static TaggerResult Run(TaggerOptions options, TextWriter output, CancellationToken cancellationToken = default)
    {
        // 1. A tagged corpus and its vocabulary (id 0 is the unknown word).
        var grammar = new TaggedCorpus((ulong)options.Seed);
        List<List<(string Word, int Tag)>> corpus = Enumerable.Range(0, options.Sentences).Select(_ => grammar.Sentence()).ToList();
        corpus.Add([.. TaggedCorpus.Classic]);
        var vocabulary = new Dictionary<string, int>(StringComparer.Ordinal) { ["<unk>"] = 0 };
        foreach ((string word, _) in corpus.SelectMany(s => s))
        {
            if (!vocabulary.ContainsKey(word) && vocabulary.Count < TaggerModel.Vocab) vocabulary[word] = vocabulary.Count;
        }

        var sequences = corpus.Select(s => new TrainingSequence<int, int>(
            s.Select(w => vocabulary.GetValueOrDefault(w.Word)).ToArray(), s.Select(w => w.Tag).ToArray())).ToList();
        int heldOutCount = Math.Max(1, sequences.Count / 10);
        List<TrainingSequence<int, int>> heldOut = sequences[..heldOutCount], train = sequences[heldOutCount..];

        output.WriteLine("RnnGen part-of-speech tagger sample");
        output.WriteLine($"corpus     {corpus.Count:N0} tagged sentences from a grammar (English and Chinese), {vocabulary.Count - 1} words, tags {string.Join(' ', Tags.Names)}");
        output.WriteLine($"           e.g. {Format(corpus[0])}   {Format(corpus.First(s => s[0].Word.Any(c => c > 0x2E80)))}");
        output.WriteLine($"model      GRU, Hidden {TaggerModel.Hidden}, {TaggerModel.Vocab} word ids in, {TaggerModel.Output} tags out at every step, {TaggerModel.ParameterCount:N0} parameters");

        // 2. Training: Adam on minibatches, early stopping on the held-out loss. The model has Batch = 32, so the trainer
        //    hands each minibatch to one padded-batch Backward (and the held-out sentences to padded Forward and
        //    Predict); bucketing puts sentences of similar lengths in a minibatch, so little of a batch is padding.
        var model = new TaggerModel();
        model.Initialize(options.Seed);
        var trainer = new Trainer<float, int, int>(model, new Adam<float>(model.Parameters.Length, (float)options.LearningRate), new TrainerOptions
        {
            Epochs = options.Epochs,
            BatchSize = options.BatchSize,
            Seed = (ulong)options.Seed,
            ClipNorm = 5,
            Patience = 3,
            BucketByLength = true,
            CheckpointPath = Path.Combine(options.OutputDirectory, "tagger.ckpt"),
        });
        Directory.CreateDirectory(options.OutputDirectory);
        if (options.Resume && trainer.TryResume(trainer.Options.CheckpointPath!))
        {
            output.WriteLine($"resumed    {trainer.Options.CheckpointPath} after epoch {trainer.CompletedEpochs}");
        }

        output.WriteLine($"training   Adam (learning rate {options.LearningRate}), minibatches of {options.BatchSize} bucketed by length, one padded batch each, {train.Count:N0} sentences, {heldOut.Count:N0} held out");
        output.WriteLine();
        TrainingResult result = TrainingDisplay.Fit(trainer, train, heldOut, "word", output, options.Live, cancellationToken: cancellationToken);

        // 3. Accuracy and confusion on the held-out sentences, tagged in padded batches of up to Batch sentences: each
        //    sentence's words at the start of its row of MaxSteps, its length beside it, one Predict per batch.
        var confusion = new int[Tags.Names.Length, Tags.Names.Length];
        var padded = new int[TaggerModel.Batch * TaggerModel.MaxSteps];
        var lengths = new int[TaggerModel.Batch];
        var tags = new int[TaggerModel.Batch * TaggerModel.MaxSteps];
        int words = 0, correct = 0;
        for (int first = 0; first < heldOut.Count; first += TaggerModel.Batch)
        {
            int n = Math.Min(TaggerModel.Batch, heldOut.Count - first), steps = 0;
            for (int m = 0; m < n; m++) steps = Math.Max(steps, heldOut[first + m].Inputs.Length);
            for (int m = 0; m < n; m++)
            {
                ReadOnlySpan<int> sentence = heldOut[first + m].Inputs.Span;
                sentence.CopyTo(padded.AsSpan(m * steps, steps));
                lengths[m] = sentence.Length; // the rest of the row is padding, never read
            }

            model.Predict(padded.AsSpan(0, n * steps), lengths.AsSpan(0, n), tags);
            for (int m = 0; m < n; m++)
            {
                ReadOnlySpan<int> truth = heldOut[first + m].Targets.Span;
                for (int i = 0; i < truth.Length; i++)
                {
                    int predictedTag = tags[m * steps + i];
                    confusion[truth[i], predictedTag]++;
                    correct += truth[i] == predictedTag ? 1 : 0;
                    words++;
                }
            }
        }

        double accuracy = (double)correct / words;
        output.WriteLine();
        output.WriteLine($"held-out accuracy {100 * accuracy:F2}% ({correct:N0} of {words:N0} words, tagged in padded batches of up to {TaggerModel.Batch} sentences)");
        output.WriteLine();
        output.WriteLine(ConfusionTable(confusion));

        // 4. Tag the sentences given on the command line (or a few that show the ambiguous words).
        IReadOnlyList<string> toTag = options.Tag.Count > 0 ? options.Tag : ["the old man saw the fish .", "they fish in the river .", "we watch the light boat .", "我 吃 苹果", "我们很喜欢茶"];
        var predicted = new int[TaggerModel.MaxSteps];
        var tagged = new List<string>();
        output.WriteLine("tagged:");
        foreach (string text in toTag)
        {
            List<string> tokens = Tokenize(text, vocabulary);
            if (tokens.Count == 0) continue;
            if (tokens.Count > TaggerModel.MaxSteps) tokens = tokens[..TaggerModel.MaxSteps];
            int[] ids = tokens.Select(w => vocabulary.GetValueOrDefault(w)).ToArray();
            model.Predict(ids, predicted);
            string line = string.Join(' ', tokens.Select((w, i) => $"{w}/{Tags.Names[predicted[i]]}{(ids[i] == 0 ? "(unknown word)" : "")}"));
            tagged.Add(line);
            output.WriteLine("  " + line);
        }

        return new TaggerResult(accuracy, confusion, words, result, tagged);
    }

    /// <summary>
    /// Words split on white space, punctuation split off; a run of Chinese characters without spaces is cut into the
    /// longest known words, left to right (我们很喜欢茶 → 我们 很 喜欢 茶).
    /// </summary>
    public static List<string> Tokenize(string text, IReadOnlyDictionary<string, int> vocabulary)
    {
        var tokens = new List<string>();
        foreach (string chunk in text.ToLowerInvariant().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
        {
            int i = 0;
            while (i < chunk.Length)
            {
                if (char.IsPunctuation(chunk[i]) && chunk[i] is not ('\'' or '-'))
                {
                    tokens.Add(chunk[i++].ToString());
                    continue;
                }

                if (chunk[i] >= 0x2E80)
                {
                    int length = Math.Min(4, chunk.Length - i);
                    while (length > 1 && !vocabulary.ContainsKey(chunk.Substring(i, length))) length--;
                    tokens.Add(chunk.Substring(i, length));
                    i += length;
                    continue;
                }

                int start = i;
                while (i < chunk.Length && chunk[i] < 0x2E80 && !(char.IsPunctuation(chunk[i]) && chunk[i] is not ('\'' or '-'))) i++;
                tokens.Add(chunk[start..i]);
            }
        }

        return tokens;
    }

    private static string Format(List<(string Word, int Tag)> sentence) =>
        string.Join(' ', sentence.Select(w => $"{w.Word}/{Tags.Names[w.Tag]}"));

    /// <summary>Rows: the true tag; columns: the predicted one; the last column: that tag's accuracy.</summary>
    public static string ConfusionTable(int[,] confusion)
    {
        int n = confusion.GetLength(0);
        var text = new StringBuilder("true \\ predicted");
        foreach (string name in Tags.Names) text.Append(CultureInfo.InvariantCulture, $"{name,7}");
        text.AppendLine("   accuracy");
        for (int t = 0; t < n; t++)
        {
            text.Append(CultureInfo.InvariantCulture, $"{Tags.Names[t],-16}");
            int row = 0;
            for (int p = 0; p < n; p++)
            {
                text.Append(CultureInfo.InvariantCulture, $"{(confusion[t, p] == 0 ? "." : confusion[t, p].ToString(CultureInfo.InvariantCulture)),7}");
                row += confusion[t, p];
            }

            text.AppendLine(row == 0 ? "          -" : string.Create(CultureInfo.InvariantCulture, $"{100.0 * confusion[t, t] / row,10:F1}%"));
        }

        return text.ToString();
    }
}
