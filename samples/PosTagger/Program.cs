// A part-of-speech tagger: word ids in, a tag out at every step, trained with per-step cross-entropy on a
// generated tagged corpus (English and Chinese); reports held-out accuracy and a confusion table, then tags
// the sentences given with --tag.
//
//   dotnet run -c Release --project samples/PosTagger
//   dotnet run -c Release --project samples/PosTagger -- --tag "the old man saw the fish ." --tag "我 吃 苹果"

using PosTagger;
using RnnGen.Samples;

var cli = new SampleArgs(args);
return TrainingSampleMain.Run(cli, "Trains a part-of-speech tagger and tags sentences.", () =>
{
    return new TaggerOptions
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
}, TaggerSample.Run);
