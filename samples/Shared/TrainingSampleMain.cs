using System;
using System.IO;
using System.Threading;

namespace RnnGen.Samples;

/// <summary>
/// What every training sample's Main does around its own work: reads its options, answers --help, stops cleanly on
/// Ctrl+C, and turns the errors a user can cause into one line and an exit code (2 bad arguments, 1 a file that
/// cannot be used, 130 stopped).
/// </summary>
internal static class TrainingSampleMain
{
    public static int Run<TOptions, TResult>(SampleArgs cli, string description, Func<TOptions> readOptions, Func<TOptions, TextWriter, CancellationToken, TResult> run)
    {
        try
        {
            TOptions options = readOptions();
            if (cli.HelpRequested)
            {
                Console.WriteLine($"{description} Options:");
                Console.WriteLine(cli.Usage());
                return 0;
            }

            cli.RejectUnknown();
            using var cancel = new CancellationTokenSource();
            Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
            run(options, Console.Out, cancel.Token);
            return 0;
        }
        catch (SampleArgsException e)
        {
            Console.Error.WriteLine(e.Message);
            return 2;
        }
        catch (InvalidDataException e)
        {
            Console.Error.WriteLine(e.Message); // e.g. --resume with a checkpoint of another model
            return 1;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("Stopped. The checkpoint of the last complete epoch is intact: run again with --resume to continue.");
            return 130;
        }
    }
}
