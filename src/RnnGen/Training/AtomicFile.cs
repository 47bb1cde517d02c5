using System;
using System.IO;

namespace RnnGen.Training;

/// <summary>
/// Replaces a file so that, whenever the process is killed or the machine loses power, the path holds either
/// the complete old contents or the complete new ones, never a mixture or a truncated file.
/// </summary>
/// <remarks>
/// The new contents go to a temporary file in the same directory, which is flushed to disk and then renamed
/// over the target (<see cref="File.Move(string, string, bool)"/>, an atomic <c>rename</c> on POSIX file systems
/// and <c>MoveFileEx</c> with replace on Windows). A writer that fails deletes its temporary file; one that is
/// killed leaves a <c>.tmp</c> file beside the target, which the next successful write of the same path removes.
/// </remarks>
public static class AtomicFile
{
    /// <summary>Writes <paramref name="path"/> atomically with the bytes <paramref name="write"/> puts in the stream it is given.</summary>
    /// <param name="path">The file to create or replace; its directory must exist.</param>
    /// <param name="write">Writes the complete new contents; it must not dispose the stream.</param>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty or names a directory.</exception>
    /// <exception cref="IOException">The file could not be written or renamed; the old file is unchanged.</exception>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(write);
        string full = Path.GetFullPath(path);
        string? directory = Path.GetDirectoryName(full);
        string name = Path.GetFileName(full);
        if (directory is null || name.Length == 0)
        {
            throw new ArgumentException($"'{path}' does not name a file.", nameof(path));
        }

        string temporary = TemporaryPath(full);
        try
        {
            using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 1 << 16))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, full, overwrite: true);
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }
    }

    /// <summary>The temporary file <see cref="Write"/> uses for <paramref name="path"/>: hidden, beside it, the same every time.</summary>
    public static string TemporaryPath(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = Path.GetFullPath(path);
        return Path.Combine(Path.GetDirectoryName(full) ?? "", "." + Path.GetFileName(full) + ".tmp");
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
