// Real-time streaming: an LSTM with 16 hidden units learns to imitate an overdrive effect (soft clipping
// with memory) from a generated signal, then processes a WAV file one sample at a time with Step, the way an
// audio callback would, writes the result as WAV, and prints the real-time factor at 48 kHz. It is meant to
// be published with NativeAOT:
//
//   dotnet run -c Release --project samples/Streaming [-- --input guitar.wav]
//   dotnet publish samples/Streaming -c Release -o out/streaming-aot && out/streaming-aot/Streaming

using System;
using System.IO;
using RnnGen.Samples;
using Streaming;

var cli = new SampleArgs(args);
try
{
    var options = new StreamingOptions
    {
        Input = cli.String("--input", null, "a WAV file to process (PCM or float, any rate, any channels) instead of a generated melody"),
        OutputDirectory = cli.String("--out", Path.Combine("out", "streaming"), "where input.wav (when generated) and output.wav go")!,
        Seconds = cli.Double("--seconds", 4, "length of the generated melody", min: 0.01, max: 3600),
        Windows = cli.Int("--windows", 1500, "training windows of 256 samples"),
        Epochs = cli.Int("--epochs", 10, "training epochs"),
        Seed = cli.Int("--seed", 1, "seed of the signals and the initial weights", min: 0),
    };
    if (cli.HelpRequested)
    {
        Console.WriteLine("Trains a tiny LSTM to imitate an audio effect and streams a WAV file through it. Options:");
        Console.WriteLine(cli.Usage());
        return 0;
    }

    cli.RejectUnknown();
    StreamingSample.Run(options, Console.Out);
    return 0;
}
catch (SampleArgsException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}
catch (InvalidDataException e)
{
    Console.Error.WriteLine(e.Message);
    return 1;
}
