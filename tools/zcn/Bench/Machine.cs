using System;
using System.IO;

namespace ZeroCopyNative.Tool;

/// <summary>Facts about the machine the numbers come from.</summary>
internal static class Machine
{
    /// <summary>The transparent huge page policy ("always", "madvise", "never", "unavailable").</summary>
    public static string ThpMode() => ZeroCopyCapabilities.TransparentHugePages switch
    {
        TransparentHugePageMode.Always => "always",
        TransparentHugePageMode.Madvise => "madvise",
        TransparentHugePageMode.Never => "never",
        _ => "unavailable",
    };

    /// <summary>The CPU model from /proc/cpuinfo ("model name", or "Model"/"CPU part" on arm64).</summary>
    public static string CpuModel()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/cpuinfo"))
            {
                if (line.StartsWith("model name", StringComparison.Ordinal) || line.StartsWith("Model", StringComparison.Ordinal))
                {
                    int colon = line.IndexOf(':');
                    if (colon > 0)
                    {
                        return line[(colon + 1)..].Trim();
                    }
                }
            }
        }
        catch (IOException)
        {
        }

        return "unknown";
    }
}
