using System;
using System.Threading.Tasks;
using NUnit.Framework;
using ZeroCopyNative.Interop;
using ZeroCopyNative.Tests.Transfers;

namespace ZeroCopyNative.Tests.Async;

/// <summary>TeeAsync: one duplicating call, parked while the source is empty or the destination full; the source
/// keeps its bytes.</summary>
[Category("Async")]
#pragma warning disable CS0618 // [Order] is obsolete in NUnit 5 and still orders fixtures: see AsyncSuiteSetUp
[Order(SuiteOrder.Tee)]
#pragma warning restore CS0618
public sealed class TeeAsyncTests
{
    [Test]
    public void WaitsOnAnEmptySource_ThenDuplicatesWithoutConsuming()
    {
        using Pipe source = Pipe.Create(nonBlocking: true);
        using Pipe destination = Pipe.Create(nonBlocking: true);
        byte[] data = TestIo.Bytes(600, 401);

        Task<long> tee = ZeroCopy.TeeAsync(source.Reader, destination.Writer, 1000).AsTask();
        AsyncKit.StillWaiting(tee, "a tee from an empty pipe");
        source.Write(data);

        Assert.That(AsyncKit.Result(tee, "the tee"), Is.EqualTo(600), "at most what the source holds");
        Assert.That(source.BytesAvailable, Is.EqualTo(600), "tee consumes nothing");
        AsyncKit.SameBytes(data, TestIo.ReadPipe(destination, 600), "the duplicate");
        AsyncKit.SameBytes(data, TestIo.ReadPipe(source, 600), "the original");
    }

    [Test]
    public void WaitsOnAFullDestination_ThenDuplicates()
    {
        using Pipe source = Pipe.Create(nonBlocking: true);
        using Pipe destination = Pipe.Create(capacity: 4096, nonBlocking: true);
        byte[] data = TestIo.Bytes(3000, 402);
        source.Write(data);
        long filled = Reliability.Fds.FillUntilFull(destination.Writer);

        Task<long> tee = ZeroCopy.TeeAsync(source.Reader, destination.Writer, data.Length).AsTask();
        AsyncKit.StillWaiting(tee, "a tee into a full pipe");
        byte[] old = TestIo.ReadPipe(destination, (int)filled);

        long duplicated = AsyncKit.Result(tee, "the tee");
        Assert.That(old.Length, Is.EqualTo(filled));
        Assert.That(duplicated, Is.GreaterThan(0).And.LessThanOrEqualTo(data.Length));
        AsyncKit.SameBytes(data.AsSpan(0, (int)duplicated), TestIo.ReadPipe(destination, (int)duplicated), "the duplicate");
        Assert.That(source.BytesAvailable, Is.EqualTo(data.Length), "the source keeps every byte");
    }

    [Test]
    public void AnEmptySourceWithoutWriters_GivesZero()
    {
        using Pipe source = Pipe.Create(nonBlocking: true);
        using Pipe destination = Pipe.Create(nonBlocking: true);
        source.CompleteWriting();

        Assert.That(AsyncKit.Result(ZeroCopy.TeeAsync(source.Reader, destination.Writer, 100).AsTask(), "the tee"), Is.Zero);
        Assert.That(destination.BytesAvailable, Is.Zero);
    }

    [Test]
    public void OnePipeForBothEnds_IsEinval()
    {
        using Pipe pipe = Pipe.Create(nonBlocking: true);
        pipe.Write(new byte[] { 1, 2, 3 });

        var error = AsyncKit.Fails<ZeroCopyException>(ZeroCopy.TeeAsync(pipe.Reader, pipe.Writer, 3).AsTask(), "tee into itself");

        Assert.That(error.Errno, Is.EqualTo(Errno.EINVAL));
        Assert.That(pipe.BytesAvailable, Is.EqualTo(3));
    }
}
