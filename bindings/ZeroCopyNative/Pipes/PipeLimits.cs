using System;
using System.Globalization;
using System.IO;

namespace ZeroCopyNative;

/// <summary>Reads the system-wide pipe limits from procfs.</summary>
internal static class PipeLimits
{
    private const string MaxSizePath = "/proc/sys/fs/pipe-max-size";

    /// <summary>/proc/sys/fs/pipe-max-size: the largest capacity an unprivileged process may give a pipe. Read on every
    /// call because an administrator can change it at any time.</summary>
    /// <exception cref="IOException">The file cannot be read or does not hold a number.</exception>
    public static int ReadMaxSize()
    {
        string text = File.ReadAllText(MaxSizePath).Trim();
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value))
        {
            throw new IOException($"{MaxSizePath} holds '{text}', not a size in bytes.");
        }

        return value;
    }
}
