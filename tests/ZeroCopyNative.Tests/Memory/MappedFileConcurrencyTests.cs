using System;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative.Tests.Memory;

public sealed class MappedFileConcurrencyTests
{
    private static readonly int Page = Environment.SystemPageSize;

    [Test]
    public void DisposeRacingOperationsNeverUnmapsUnderThem()
    {
        // Without the handle's reference count an operation that passed the disposal check could reach msync,
        // madvise or mincore after munmap, and fail with ENOMEM (or touch whatever was mapped there next).
        for (int round = 0; round < 50; round++)
        {
            MappedFile map = MappedFile.CreateAnonymous(16 * Page, MappedFileSharing.Shared);
            map.Span.Fill(1);
            using var started = new ManualResetEventSlim();
            Task<Exception?> worker = Task.Run(() =>
            {
                started.Set();
                try
                {
                    for (int i = 0; i < 1_000_000; i++)
                    {
                        map.Flush(0, map.Length, async: true);
                        map.Advise(MappedFileAdvice.WillNeed);
                        map.ResidentBytes();
                    }

                    return null;
                }
                catch (Exception e)
                {
                    return e;
                }
            });

            Assert.That(started.Wait(TimeSpan.FromSeconds(30)), Is.True);
            Thread.Sleep(round % 3);
            map.Dispose();
            Assert.That(worker.Wait(TimeSpan.FromSeconds(60)), Is.True, "the worker finished");
            Assert.That(worker.Result, Is.TypeOf<ObjectDisposedException>(),
                $"round {round}: the only failure a racing Dispose may cause is ObjectDisposedException");
        }
    }

    [Test]
    public void WindowsLongerThanASpanAreReachedThroughGetSpan()
    {
        long length = 3L << 30; // untouched anonymous memory costs nothing until written
        using MappedFile map = MappedFile.CreateAnonymous(length);
        var e = Assert.Throws<InvalidOperationException>(() => _ = map.Span)!;
        Assert.That(e.Message, Does.Contain("GetSpan"));
        Assert.Throws<InvalidOperationException>(() => _ = map.ReadOnlyMemory);

        long far = int.MaxValue + 100L;
        map.GetSpan(far, 16).Fill(0x42);
        Assert.That(map.GetReadOnlySpan(far, 16).IndexOfAnyExcept((byte)0x42), Is.EqualTo(-1));
        Assert.That(map.ResidentBytes(far, 16), Is.EqualTo(16));
        Assert.That(map.ResidentBytes(0, Page), Is.Zero);
        Assert.That(map.GetReadOnlySpan(length - 1, 1)[0], Is.Zero);
    }
}
