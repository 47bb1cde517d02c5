using System.IO;
using Streaming;

namespace RnnGen.Samples.Tests;

public sealed class StreamingTests : TempDirectory
{
    [Fact]
    public void Streaming_output_equals_predict_on_the_same_input_allocates_nothing_and_imitates_the_effect()
    {
        var options = new StreamingOptions { Windows = 300, Epochs = 4, Seconds = 0.25, OutputDirectory = Directory };
        var output = new StringWriter();
        StreamingResult result = StreamingSample.Run(options, output);

        Assert.True(result.StepVersusPredict <= 1e-6, $"Step and Predict differ by {result.StepVersusPredict}\n{output}");
        Assert.Equal(0, result.Allocated);
        Assert.Equal(2, result.Channels); // the generated input is stereo: both channels go through one batched Step per frame
        Assert.True(result.BatchedVersusSingle <= 1e-5, $"the batched Step and one Step per channel differ by {result.BatchedVersusSingle}\n{output}");
        Assert.True(result.HeldOutLoss < result.UntrainedLoss / 20, $"loss {result.UntrainedLoss} -> {result.HeldOutLoss}\n{output}");
        Assert.True(result.SignalToError > 15, $"{result.SignalToError:F1} dB\n{output}");

        Audio written = Wav.Read(result.OutputFile);
        Assert.Equal(Wav.Read(result.InputFile).Length, written.Length);
        Assert.Equal(48_000, written.SampleRate);
    }

    [Fact]
    public void Wav_files_round_trip_in_every_format_read()
    {
        var audio = new Audio([[0f, 0.5f, -0.5f, 0.25f], [1f, -1f, 0.125f, 0f]], 44_100);
        string path = Path.Combine(Directory, "stereo.wav");
        Wav.Write(path, audio);
        Audio read = Wav.Read(path);
        Assert.Equal(44_100, read.SampleRate);
        Assert.Equal(2, read.Channels.Length);
        for (int c = 0; c < 2; c++)
        {
            for (int t = 0; t < 4; t++) Assert.Equal(audio.Channels[c][t], read.Channels[c][t], 1e-4f);
        }

        File.WriteAllBytes(path, [1, 2, 3]);
        Assert.Throws<InvalidDataException>(() => Wav.Read(path));
    }
}
