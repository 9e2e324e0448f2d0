using System;
using System.IO;
using Microsoft.Win32.SafeHandles;
using NUnit.Framework;

namespace ZeroCopyNative.Tests.Transfers;

/// <summary>The steady-state transfer loops allocate nothing: measured with GC.GetAllocatedBytesForCurrentThread around
/// warmed-up loops whose bodies contain only library calls.</summary>
[NonParallelizable]
public sealed class AllocationTests
{
    private const int Rounds = 200;

    [Test]
    public void SendFileSpliceTeeCopyFileRangeAndTransferAllocateNothing()
    {
        using TempFolder folder = TestIo.Folder();
        File.WriteAllBytes(folder.File("src"), TestIo.Bytes(256 * 1024, 81));
        using SafeFileHandle source = TestIo.OpenRead(folder.File("src"));
        using SafeFileHandle destination = TestIo.Create(folder.File("dst"));
        using SafeFileHandle devNull = File.OpenHandle("/dev/null", FileMode.Open, FileAccess.Write);
        using Pipe pipe = Pipe.Create();
        using Pipe copy = Pipe.Create();
        SafeFileHandle reader = pipe.Reader;
        SafeFileHandle writer = pipe.Writer;

        void Round()
        {
            ZeroCopy.SendFile(source, 0, devNull, 256 * 1024);
            ZeroCopy.Splice(source, 4096, writer, null, 32 * 1024);
            ZeroCopy.Tee(reader, copy.Writer, 32 * 1024);
            ZeroCopy.Splice(reader, null, devNull, null, 32 * 1024);
            ZeroCopy.Splice(copy.Reader, null, devNull, null, 32 * 1024);
            ZeroCopy.CopyFileRange(source, 0, destination, 0, 256 * 1024);
            TestIo.SeekQuietly(source, 0);
            ZeroCopy.Transfer(source, destination, 256 * 1024); // copy_file_range
            TestIo.SeekQuietly(source, 0);
            ZeroCopy.Transfer(source, devNull, 256 * 1024);     // sendfile
            TestIo.SeekQuietly(source, 0);
            ZeroCopy.Transfer(source, writer, 32 * 1024);       // sendfile into a pipe
            ZeroCopy.Transfer(reader, devNull, 32 * 1024);      // splice out of a pipe
            TestIo.SeekQuietly(source, 0);
            TestIo.SeekQuietly(destination, 0);
        }

        for (int i = 0; i < 20; i++)
        {
            Round();
        }

        long allocated = AllocatedBy(() =>
        {
            for (int i = 0; i < Rounds; i++)
            {
                Round();
            }
        });
        Assert.That(allocated, Is.EqualTo(0));
    }

    [Test]
    public void TheFallbackPathsAllocateNothingEither()
    {
        using TempFolder folder = TestIo.Folder();
        File.WriteAllBytes(folder.File("src"), TestIo.Bytes(256 * 1024, 82));
        using SafeFileHandle source = TestIo.OpenRead(folder.File("src"));
        using SafeFileHandle destination = TestIo.Create(folder.File("dst"));
        void Round(TransferMethod start)
        {
            TestIo.SeekQuietly(source, 0);
            TestIo.SeekQuietly(destination, 0);
            TestIo.TransferVia(source, destination, start: start);
        }

        for (int i = 0; i < 20; i++)
        {
            Round(TransferMethod.SpliceThroughPipe);
            Round(TransferMethod.ReadWrite);
        }

        long allocated = AllocatedBy(() =>
        {
            for (int i = 0; i < Rounds; i++)
            {
                Round(TransferMethod.SpliceThroughPipe);
                Round(TransferMethod.ReadWrite);
            }
        });
        Assert.That(allocated, Is.EqualTo(0));
    }

    /// <summary>The bytes this thread allocates while <paramref name="rounds"/> runs, with no collection allowed: a
    /// collection started by another thread's allocations retires this thread's allocation context, and the
    /// NativeAOT runtime then counts the unused rest of it (up to a few KiB) as allocated by this thread.</summary>
    private static long AllocatedBy(Action rounds)
    {
        Assert.That(GC.TryStartNoGCRegion(64L << 20), Is.True, "no collection may start during the measurement");
        try
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            rounds();
            return GC.GetAllocatedBytesForCurrentThread() - before;
        }
        finally
        {
            if (System.Runtime.GCSettings.LatencyMode == System.Runtime.GCLatencyMode.NoGCRegion)
            {
                GC.EndNoGCRegion();
            }
        }
    }
}
