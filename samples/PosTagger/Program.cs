// A part-of-speech tagger: word ids in, a tag out at every step, trained with per-step cross-entropy on a
// generated tagged corpus (English and Chinese); reports held-out accuracy and a confusion table, then tags
// the sentences given with --tag.
//
//   dotnet run -c Release --project samples/PosTagger
//   dotnet run -c Release --project samples/PosTagger -- --tag "the old man saw the fish ." --tag "我 吃 苹果"

using System;
using System.Threading;
using PosTagger;
using RnnGen.Samples;

var cli = new SampleArgs(args);
try
{
    var options = new TaggerOptions
    {
        Sentences = cli.Int("--sentences", 6000, "tagged sentences to generate"),
        Epochs = cli.Int("--epochs", 8, "epochs at most; early stopping may end sooner"),
        Seed = cli.Int("--seed", 1, "seed of the corpus, the initial weights and the order", min: 0),
        LearningRate = cli.Double("--lr", 0.01, "Adam's learning rate", min: 1e-9),
        BatchSize = cli.Int("--batch", 16, "sentences per optimiser step"),
        OutputDirectory = cli.String("--out", System.IO.Path.Combine("out", "pos-tagger"), "where the checkpoint goes")!,
        Resume = cli.Flag("--resume", "continue from the checkpoint in --out"),
        Live = !cli.Flag("--plain", "no live progress display") && TrainingDisplay.CanDrawLive,
        Tag = cli.Strings("--tag", "a sentence to tag after training, repeatable; Chinese with or without spaces"),
    };
    if (cli.HelpRequested)
    {
        Console.WriteLine("Trains a part-of-speech tagger and tags sentences. Options:");
        Console.WriteLine(cli.Usage());
        return 0;
    }

    cli.RejectUnknown();
    using var cancel = new CancellationTokenSource();
    Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
    TaggerSample.Run(options, Console.Out, cancel.Token);
    return 0;
}
catch (SampleArgsException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}
catch (System.IO.InvalidDataException e)
{
    Console.Error.WriteLine(e.Message); // e.g. --resume with a checkpoint of another model
    return 1;
}
catch (OperationCanceledException)
{
    Console.Error.WriteLine("Stopped. The checkpoint of the last complete epoch is intact: run again with --resume to continue.");
    return 130;
}
