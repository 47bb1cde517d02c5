// A multivariate time-series forecaster: dense inputs, squared error, an LSTM (or a GRU), trained on windows
// of generated seasonal series or of a CSV file, and measured against the naive last-value forecast.
//
//   dotnet run -c Release --project samples/Forecaster
//   dotnet run -c Release --project samples/Forecaster -- --csv data.csv --gru
//   dotnet run -c Release --project samples/Forecaster -- --horizon 12    (an encoder–decoder forecasts 12 steps at once)

using Forecaster;
using RnnGen.Samples;

var cli = new SampleArgs(args);
return TrainingSampleMain.Run(cli, "Trains a forecaster and compares it with the naive last-value forecast.", () =>
{
    return new ForecasterOptions
    {
        CsvFile = cli.String("--csv", null, "forecast the numeric columns of this CSV file (one row per step) instead of generated series"),
        Gru = cli.Flag("--gru", "use a GRU cell instead of an LSTM"),
        Length = cli.Int("--steps", 4000, "length of the generated series", min: 500),
        Epochs = cli.Int("--epochs", 30, "epochs at most; early stopping may end sooner"),
        Seed = cli.Int("--seed", 1, "seed of the series, the initial weights and the order", min: 0),
        LearningRate = cli.Double("--lr", 0.005, "Adam's learning rate", min: 1e-9),
        BatchSize = cli.Int("--batch", 8, "windows per optimiser step"),
        OutputDirectory = cli.String("--out", System.IO.Path.Combine("out", "forecaster"), "where the chart and the checkpoint go")!,
        Resume = cli.Flag("--resume", "continue from the checkpoint in --out"),
        Live = !cli.Flag("--plain", "no live progress display") && TrainingDisplay.CanDrawLive,
        Horizon = cli.Int("--horizon", 0, "forecast this many steps at once: an encoder-decoder against the one-step model rolled forward and the naive and seasonal-naive forecasts (0: one step ahead)", min: 0, max: 48),
        Season = cli.Int("--season", 24, "the seasonal-naive forecast's season, in steps (with --horizon)", min: 1, max: 48),
    };
}, (options, output, cancellationToken) => options.Horizon > 0
    ? (object)HorizonForecast.Run(options, output, cancellationToken)
    : ForecasterSample.Run(options, output, cancellationToken));
