using System;
using System.IO;

namespace ZeroCopyNative.Tests;

/// <summary>
/// A private directory for one test's files, deleted on Dispose. It lives under /var/tmp, which is disk-backed here
/// (ext4) even where /tmp is tmpfs: O_DIRECT and page-cache residency tests need a real block filesystem.
/// </summary>
internal sealed class ScratchDirectory : IDisposable
{
    public ScratchDirectory()
    {
        Path = System.IO.Path.Combine("/var/tmp", $"zcn-tests-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    /// <summary>A path inside the directory.</summary>
    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>Writes <paramref name="length"/> bytes of a position-dependent pattern to a new file and returns
    /// them.</summary>
    public byte[] CreateFile(string name, int length, int seed = 1)
    {
        byte[] data = Pattern(length, seed);
        System.IO.File.WriteAllBytes(File(name), data);
        return data;
    }

    /// <summary>Bytes that differ at every position within a page and between pages, so shifted windows are
    /// caught.</summary>
    public static byte[] Pattern(int length, int seed = 1)
    {
        byte[] data = new byte[length];
        for (int i = 0; i < length; i++)
        {
            data[i] = unchecked((byte)((i * 31) + (i >> 12) * 7 + seed));
        }

        return data;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
