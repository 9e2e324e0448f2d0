using System;

namespace ZeroCopyNative.Tool.Cli;

/// <summary>
/// Progress on standard error. On a terminal one line is redrawn in place ("\r" and ESC[K); anywhere else (a log
/// file, a pipe, CI) those bytes are noise, so only plain lines are written there: <see cref="Show"/> draws nothing
/// and <see cref="Line"/> writes one whole line.
/// </summary>
internal sealed class StatusLine
{
    private const string Redraw = "\r\u001b[K";
    private bool _drawn;

    /// <summary>Whether standard error is a terminal (isatty).</summary>
    public bool IsTerminal { get; } = !Console.IsErrorRedirected;

    /// <summary>Replaces the transient status on a terminal; writes nothing elsewhere.</summary>
    public void Show(string text)
    {
        if (IsTerminal)
        {
            Console.Error.Write(Redraw + text);
            _drawn = true;
        }
    }

    /// <summary>Writes one permanent line, first erasing the transient status on a terminal.</summary>
    public void Line(string text)
    {
        Clear();
        Console.Error.Write(text + "\n");
    }

    /// <summary>Erases the transient status, if one is drawn.</summary>
    public void Clear()
    {
        if (_drawn)
        {
            Console.Error.Write(Redraw);
            _drawn = false;
        }
    }
}
