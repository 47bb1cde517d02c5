// A language model, the RNN tutorial's pipeline end to end, at word or character level.
//
//   dotnet run -c Release --project samples/LanguageModel                       word level, generated corpus (~15 s)
//   dotnet run -c Release --project samples/LanguageModel -- --char             character level (Adagrad, clipping, carried state)
//   dotnet run -c Release --project samples/LanguageModel -- --text book.txt    any UTF-8 text, either level
//   ... -- --epochs 20 --resume                                                  continue from the last checkpoint
//
// Output (checkpoint, weights, loss-curve PNG) goes to out/language-model/.

using LanguageModel;
using RnnGen.Samples;
using RnnGen.Training;

var cli = new SampleArgs(args);
return TrainingSampleMain.Run(cli, "Trains a language model and samples from it.", () =>
{
    bool characters = cli.Flag("--char", "train a character-level model instead of a word-level one");
    return new LanguageModelOptions
    {
        CharacterLevel = characters,
        TextFile = cli.String("--text", null, "train on this UTF-8 text file instead of the generated corpus"),
        Embedding = cli.Flag("--embedding", "word level: an embedding layer (nn.Embedding) before the RNN instead of one-hot input"),
        Sentences = cli.Int("--sentences", 20000, "sentences of the generated corpus"),
        Epochs = cli.Int("--epochs", characters ? 4 : 10, "epochs in total, counting those before --resume"),
        Seed = cli.Int("--seed", 1, "seed of the corpus, the initial weights, the order and the sampling", min: 0),
        Optimizer = cli.Choice("--optimizer", characters ? "adagrad" : "sgd", "the optimiser", "sgd", "momentum", "adagrad", "adam"),
        LearningRate = cli.Double("--lr", characters ? 0.1 : 0.01, "initial learning rate", min: 1e-9),
        BatchSize = cli.Int("--batch", 1, "sequences per optimiser step"),
        Temperature = cli.Double("--temperature", 1.0, "sampling temperature: below 1 sharper, above 1 more varied, 0 the most likely", max: 10),
        SampleCount = cli.Int("--samples", 8, "sentences to sample"),
        OutputDirectory = cli.String("--out", System.IO.Path.Combine("out", "language-model"), "where the checkpoint, weights and chart go")!,
        Resume = cli.Flag("--resume", "continue from the checkpoint in --out"),
        Live = !cli.Flag("--plain", "no live progress display, one line per epoch only") && TrainingDisplay.CanDrawLive,
    };
}, LanguageModelSample.Run);
