using System;
using System.Diagnostics;

namespace ZeroCopyNative.Tool.Cli;

/// <summary>
/// zcn copy --progress: draws the bytes moved so far. On a terminal a bar is redrawn at every report; in a log a plain
/// line is written at most every <see cref="LogInterval"/>, and always a last one when the copy ends.
/// </summary>
internal sealed class TransferProgress(long? total) : IProgress<long>
{
    private static readonly TimeSpan LogInterval = TimeSpan.FromSeconds(5);
    private readonly StatusLine _status = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private TimeSpan _lastLine;

    /// <summary>Draws <paramref name="done"/> bytes of the total.</summary>
    public void Report(long done)
    {
        if (_status.IsTerminal)
        {
            _status.Show(Describe(done));
        }
        else if (_clock.Elapsed - _lastLine >= LogInterval)
        {
            _lastLine = _clock.Elapsed;
            _status.Line(Describe(done));
        }
    }

    /// <summary>The last line: it stays on the screen, and it ends every log.</summary>
    public void Finish(long done) => _status.Line(Describe(done));

    /// <summary>Erases the bar before an error message is written.</summary>
    public void Abandon() => _status.Clear();

    private string Describe(long done)
    {
        double seconds = _clock.Elapsed.TotalSeconds;
        string rate = $"{(seconds > 0 ? done / seconds / (1L << 30) : 0):0.00} GiB/s";
        if (total is not long all)
        {
            // A pipe or a device: its size is unknown until it ends.
            return $"{Sizes.Format(done)}  {rate}";
        }

        const int width = 30;
        double fraction = all == 0 ? 1 : Math.Min(1, (double)done / all);
        int filled = (int)(fraction * width);
        return $"[{new string('#', filled)}{new string(' ', width - filled)}] {fraction * 100,5:0.0}% " +
               $"{Sizes.Format(done)} / {Sizes.Format(all)}  {rate}";
    }
}
