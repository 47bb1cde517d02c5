// A word-level language model, the RNN tutorial's pipeline end to end:
// a corpus, the most frequent words plus unknown/start/end tokens, a vanilla RNN trained with
// truncated backpropagation through time and SGD, and sentences sampled from it.
//
//   dotnet run --project samples/LanguageModel [-- --epochs 10 --sentences 20000 --seed 1]

using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using LanguageModel;
using RnnGen;

int epochs = Option(args, "--epochs", 10);
int sentenceCount = Option(args, "--sentences", 20000);
int seed = Option(args, "--seed", 1);

// 1. Corpus and vocabulary.
var grammar = new Grammar((ulong)seed);
List<List<string>> corpus = Enumerable.Range(0, sentenceCount).Select(_ => grammar.Sentence()).ToList();
var vocabulary = new Vocabulary(corpus, WordModel.Vocab);
int[][] encoded = corpus.Select(vocabulary.Encode).ToArray();
int heldOut = Math.Max(1, encoded.Length / 10);
int[][] train = encoded[heldOut..], test = encoded[..heldOut];
int unknown = encoded.Sum(s => s.Count(id => id == vocabulary.UnknownId));

Console.WriteLine("RnnGen language model sample");
Console.WriteLine($"corpus     {corpus.Count:N0} sentences from a probabilistic grammar, {vocabulary.DistinctWords} distinct words");
Console.WriteLine($"vocabulary {WordModel.Vocab} ids: the {WordModel.Vocab - 3} most frequent words + {Vocabulary.Unknown} {Vocabulary.Start} {Vocabulary.End} ({unknown:N0} words became {Vocabulary.Unknown})");
Console.WriteLine($"model      vanilla RNN, Hidden {WordModel.Hidden}, truncated BPTT {WordModel.Truncate}, {WordModel.ParameterCount:N0} parameters");
Console.WriteLine($"           an untrained model scores about ln({WordModel.Vocab}) = {Math.Log(WordModel.Vocab):F2} per word");
Console.WriteLine();

// 2. Training: SGD one sentence at a time; the input is the sentence without its last token, the
//    target the sentence without its first: each position predicts the next word.
var model = new WordModel();
model.Initialize(seed);
float learningRate = 0.01f;
double previous = double.PositiveInfinity;
var clock = Stopwatch.StartNew();
var random = new RnnRandom((ulong)seed + 1);
int[] order = Enumerable.Range(0, train.Length).ToArray();
Console.WriteLine("epoch   train loss/word   held-out loss/word   learning rate   time");
for (int epoch = 1; epoch <= epochs; epoch++)
{
    random.Shuffle<int>(order);
    double loss = 0;
    int words = 0;
    foreach (int i in order)
    {
        int[] s = train[i];
        loss += model.SgdStep(s.AsSpan(0, s.Length - 1), s.AsSpan(1), learningRate);
        words += s.Length - 1;
    }

    double evaluation = Evaluate(model, test);
    Console.WriteLine($"{epoch,5}   {loss / words,15:F3}   {evaluation,18:F3}   {learningRate,13:F4}   {clock.Elapsed.TotalSeconds,4:F1}s");

    // The tutorial's schedule: halve the learning rate when the loss goes up.
    if (evaluation > previous)
    {
        learningRate /= 2;
    }

    previous = evaluation;
}

// 3. Generation: start from <s>, sample until </s>, never the unknown token.
Console.WriteLine();
Console.WriteLine("sentences sampled from the trained model (temperature 1):");
var sampler = new RnnRandom((ulong)seed + 2);
var buffer = new int[WordModel.MaxSteps];
for (int n = 0; n < 8; n++)
{
    int length = model.Generate(new[] { vocabulary.StartId }, buffer, 1f, ref sampler, vocabulary.EndId, vocabulary.UnknownId);
    IEnumerable<string> words = buffer.Take(length).Where(id => id != vocabulary.EndId).Select(vocabulary.Word);
    Console.WriteLine("  " + string.Join(' ', words));
}

return 0;

static double Evaluate(WordModel model, int[][] sentences)
{
    double loss = 0;
    int words = 0;
    foreach (int[] s in sentences)
    {
        loss += model.Forward(s.AsSpan(0, s.Length - 1), s.AsSpan(1));
        words += s.Length - 1;
    }

    return loss / words;
}

static int Option(string[] args, string name, int fallback)
{
    int i = Array.IndexOf(args, name);
    if (i < 0) return fallback;
    if (i + 1 < args.Length && int.TryParse(args[i + 1], out int value) && value > 0) return value;
    Console.Error.WriteLine($"{name} needs a positive whole number");
    Environment.Exit(2);
    return fallback;
}

/// <summary>The tutorial's network at sample scale: 80 word ids in and out, 64 hidden units, BPTT truncated at 4.</summary>
[RnnModel(Hidden = 64, Vocab = 80, Truncate = 4, MaxSteps = 40)]
internal partial class WordModel { }
