using System;
using System.IO;
using System.Text;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative.Tool.Cli;

/// <summary>
/// Which of the standard descriptors are the user's, judged once at the start of Main. A program started with 0, 1
/// or 2 closed (<c>zcn cat &lt;&amp;-</c>) finds the runtime's /dev/urandom in the free number before Main runs, and
/// later its own files: reading "standard input" would then copy random bytes, and an error message written to "standard
/// error" would land in a destination file. So: a standard descriptor that is not the user's is never read or written;
/// cat and copy fail with EBADF on it, as coreutils does, and error messages that cannot be written are dropped.
/// </summary>
internal static class StandardStreams
{
    private static readonly StandardDescriptorState[] s_states =
        [StandardDescriptorState.Inherited, StandardDescriptorState.Inherited, StandardDescriptorState.Inherited];

    private static readonly string[] Names = ["standard input", "standard output", "standard error"];

    /// <summary>The error for using a standard descriptor that is not the user's: EBADF, as for a closed one.</summary>
    public static IOException Closed(string what) => new($"{what} is closed", unchecked((int)Errno.EBADF));

    /// <summary>Standard input (0) is what the user gave zcn.</summary>
    public static bool InputIsUsers => s_states[0] == StandardDescriptorState.Inherited;

    /// <summary>Standard output (1) is what the user gave zcn.</summary>
    public static bool OutputIsUsers => s_states[1] == StandardDescriptorState.Inherited;

    /// <summary>Records the state of 0, 1 and 2 and routes Console.Out and Console.Error accordingly. Call first in
    /// Main, before anything opens a file.</summary>
    public static void Claim()
    {
        for (int fd = 0; fd <= 2; fd++)
        {
            s_states[fd] = StandardDescriptors.GetState(fd);
        }

        // An error message must never fail the process (stderr on /dev/full, a closed pipe): the exit code still
        // tells. And one that would reach a descriptor that is not the user's is dropped.
        Console.SetError(s_states[2] == StandardDescriptorState.Inherited
            ? new BestEffortWriter(() => Console.OpenStandardError())
            : TextWriter.Null);
        if (!OutputIsUsers)
        {
            Console.SetOut(new FailingWriter(Closed("standard output")));
        }
    }

    /// <summary>Which standard descriptor that is not the user's opening <paramref name="path"/> would reach
    /// ("standard input": "/dev/stdin" under <c>&lt;&amp;-</c> names the runtime's /dev/urandom, not the user's input),
    /// or null. Compares (st_dev, st_ino), never paths.</summary>
    public static string? Borrowed(string path)
    {
        for (int fd = 0; fd <= 2; fd++)
        {
            if (s_states[fd] != StandardDescriptorState.Inherited && StandardDescriptors.IsSameFile(fd, path))
            {
                return Names[fd];
            }
        }

        return null;
    }

    /// <summary>Standard error that never throws: the real writer is made on first use, and a write that fails is
    /// dropped.</summary>
    private sealed class BestEffortWriter(Func<Stream> open) : TextWriter
    {
        private TextWriter? _inner;
        private bool _broken;

        public override Encoding Encoding => Encoding.UTF8;

        public override void Write(char value) => Try(value.ToString());

        public override void Write(string? value) => Try(value);

        public override void Write(char[] buffer, int index, int count) => Try(new string(buffer, index, count));

        public override void WriteLine(string? value) => Try(value + "\n");

        public override void Flush() => Try(null);

        private void Try(string? text)
        {
            if (_broken)
            {
                return;
            }

            try
            {
                _inner ??= new StreamWriter(open(), new UTF8Encoding(false)) { AutoFlush = true };
                if (text != null)
                {
                    _inner.Write(text);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Stop trying: a half-written buffer would come out later in pieces.
                _broken = true;
            }
        }
    }

    /// <summary>Standard output that is not the user's: every write fails with EBADF, as cat's writes do.</summary>
    private sealed class FailingWriter(IOException error) : TextWriter
    {
        public override Encoding Encoding => Encoding.UTF8;

        public override void Write(char value) => throw error;

        public override void Write(string? value) => throw error;

        public override void Write(char[] buffer, int index, int count) => throw error;
    }
}
