using System;
using System.IO;
using Microsoft.Win32.SafeHandles;

namespace ZeroCopyNative.Tool.Bench;

/// <summary>
/// small-blocks: the warm data file to /dev/null in 4 KiB or 16 KiB blocks, one safe call per block
/// (<see cref="ZeroCopy.SendFile(SafeFileHandle, long, System.Runtime.InteropServices.SafeHandle, long)"/>), or one
/// <see cref="Pipe.SpliceFrom"/> + <see cref="Pipe.SpliceTo"/> pair per block through a pipe of the default capacity.
/// A call moves so little here that what the binding and the safe layer cost per call shows in the rate; the C twins
/// (zcn-bench-c small-blocks) make the same libzcn calls with the same counts.
/// </summary>
internal static class SmallBlocks
{
    /// <summary>The block a method names: 4 KiB or 16 KiB.</summary>
    public static int BlockOf(string method) => method.EndsWith("16k", StringComparison.Ordinal) ? 16 << 10 : 4 << 10;

    public static Measurement Run(string method, BenchFiles files)
    {
        using SafeFileHandle input = File.OpenHandle(files.Data, FileMode.Open, FileAccess.Read);
        using SafeFileHandle output = File.OpenHandle("/dev/null", FileMode.Open, FileAccess.Write);
        long size = files.Size;
        int block = BlockOf(method);
        long offset = 0;
        long syscalls = 0;
        if (method.StartsWith("sendfile", StringComparison.Ordinal))
        {
            Probe probe = Probe.Start();
            while (offset < size)
            {
                syscalls++; // one sendfile(2) when the kernel moves the whole block, as it does from a warm file
                long sent = ZeroCopy.SendFile(input, offset, output, Math.Min(block, size - offset));
                if (sent == 0)
                {
                    break;
                }

                offset += sent;
            }

            return probe.Stop(offset, syscalls);
        }

        using Pipe pipe = Pipe.Create();
        Probe spliceProbe = Probe.Start();
        long moved = ManagedRunner.SplicePairs(pipe, input, output, size, block, ref syscalls);
        return spliceProbe.Stop(moved, syscalls);
    }
}
