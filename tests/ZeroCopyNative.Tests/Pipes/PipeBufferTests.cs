using System;
using NUnit.Framework;
using ZeroCopyNative.Interop;
using ZeroCopyNative.Tests.Transfers;

namespace ZeroCopyNative.Tests.Pipes;

[NonParallelizable]
public sealed unsafe class PipeBufferTests
{
    [Test]
    public void LeasesArePageAlignedAndAtLeastAsLongAsAskedFor()
    {
        long pageSize = Zcn.page_size();
        using PipeBuffer small = PipeBuffer.Rent(10);
        using PipeBuffer large = PipeBuffer.Rent(PipeBuffer.DefaultLength + 1);
        Assert.That(small.Length, Is.EqualTo(PipeBuffer.DefaultLength));
        Assert.That(large.Length, Is.EqualTo(PipeBuffer.DefaultLength + pageSize));
        fixed (byte* a = small.Span)
        fixed (byte* b = large.Span)
        {
            Assert.That((long)a % pageSize, Is.EqualTo(0));
            Assert.That((long)b % pageSize, Is.EqualTo(0));
        }

        Assert.That(() => PipeBuffer.Rent(0), Throws.TypeOf<ArgumentOutOfRangeException>());
        Assert.That(() => PipeBuffer.Rent(-1), Throws.TypeOf<ArgumentOutOfRangeException>());
    }

    [Test]
    public void ASplicedLeaseIsLockedUntilThePipeDrainsIt()
    {
        byte[] data = TestIo.Bytes(40_000, 71);
        using Pipe pipe = Pipe.Create();
        using PipeBuffer lease = PipeBuffer.Rent();
        data.CopyTo(lease.Span);

        pipe.VmSplice(lease, data.Length);

        Assert.That(lease.IsLocked, Is.True);
        Assert.That(() => { _ = lease.Span; }, Throws.InvalidOperationException.With.Message.Contains("locked"));
        Assert.That(() => pipe.VmSplice(lease, 10), Throws.InvalidOperationException, "no second splice while locked");
        Assert.That(pipe.BytesAvailable, Is.EqualTo(data.Length));

        Assert.That(TestIo.ReadPipe(pipe, 30_000), Is.EqualTo(data.AsSpan(0, 30_000).ToArray()));
        Assert.That(lease.IsLocked, Is.True, "10000 bytes are still in the pipe");
        Assert.That(TestIo.ReadPipe(pipe, 10_000), Is.EqualTo(data.AsSpan(30_000).ToArray()));
        Assert.That(lease.IsLocked, Is.False, "drained");
        Assert.That(lease.Span.Length, Is.EqualTo(lease.Length), "usable again");
    }

    [Test]
    public void WherePagesAreGivenAwayEvenAStalePointerCannotChangeWhatTheReaderSees()
    {
        byte[] data = TestIo.Bytes(PipeBuffer.DefaultLength, 72);
        using Pipe pipe = Pipe.Create();
        _ = pipe.Reader; // bytes may now leave without a copy: the pipe gives spliced pages away
        Assert.That(pipe.MayForwardPages, Is.True);
        using PipeBuffer lease = PipeBuffer.Rent();
        data.CopyTo(lease.Span);
        fixed (byte* stale = lease.Span)
        {
            // A span or pointer taken before the splice outlives the lock check: write through it afterwards.
            pipe.VmSplice(lease, data.Length);
            new Span<byte>(stale, data.Length).Fill(0xEE);
        }

        Assert.That(TestIo.ReadPipe(pipe, data.Length), Is.EqualTo(data));
        Assert.That(lease.IsLocked, Is.False);
        Assert.That(lease.Span.ToArray(), Is.All.EqualTo((byte)0xEE), "the caller's writes went to the lease's fresh pages");
    }

    [Test]
    public void PagesForwardedToASocketStayIntactWhenTheLeaseIsReused()
    {
        byte[] data = TestIo.Bytes(PipeBuffer.DefaultLength, 73);
        using SocketPair pair = TestIo.Tcp();
        using Pipe pipe = Pipe.Create();
        using PipeBuffer lease = PipeBuffer.Rent();
        data.CopyTo(lease.Span);
        pipe.VmSplice(lease, data.Length);
        // splice to a socket hands the very pages to the socket's send queue, beyond the pipe's drain.
        Assert.That(pipe.SpliceTo(pair.Client.SafeHandle, null, data.Length), Is.EqualTo(data.Length));
        Assert.That(lease.IsLocked, Is.False);
        lease.Span.Fill(0x11);
        Assert.That(TestIo.Receive(pair.Server, data.Length), Is.EqualTo(data));
    }

    [Test]
    public void DisposingALockedLeaseDefersItsReturnToThePool()
    {
        using Pipe pipe = Pipe.Create();
        PipeBuffer lease = PipeBuffer.Rent();
        lease.Span[0] = 1;
        pipe.VmSplice(lease, 100);
        lease.Dispose();
        lease.Dispose();
        Assert.That(() => { _ = lease.Span; }, Throws.TypeOf<ObjectDisposedException>());
        using (PipeBuffer other = PipeBuffer.Rent())
        {
            Assert.That(other, Is.Not.SameAs(lease), "a locked lease is not in the pool");
        }

        // The pool is LIFO: after the return above, `other` sits on top. Drain the pipe: the lease goes back too.
        Assert.That(TestIo.ReadPipe(pipe, 100).Length, Is.EqualTo(100));
        using PipeBuffer again = PipeBuffer.Rent();
        Assert.That(again, Is.SameAs(lease), "returned once drained");
        Assert.That(again.IsLocked, Is.False);
        again.Span[0] = 2;
    }

    [Test]
    public void DisposingThePipeUnlocksItsLeases()
    {
        var pipe = Pipe.Create();
        using PipeBuffer lease = PipeBuffer.Rent();
        pipe.VmSplice(lease, 1000);
        Assert.That(lease.IsLocked, Is.True);
        pipe.Dispose();
        Assert.That(lease.IsLocked, Is.False);
        Assert.That(lease.Span.Length, Is.EqualTo(lease.Length));
    }

    [Test]
    public void VmSpliceChecksItsArguments()
    {
        using Pipe pipe = Pipe.Create();
        using PipeBuffer lease = PipeBuffer.Rent();
        Assert.That(() => pipe.VmSplice(null!, 1), Throws.ArgumentNullException);
        Assert.That(() => pipe.VmSplice(lease, -1), Throws.TypeOf<ArgumentOutOfRangeException>());
        Assert.That(() => pipe.VmSplice(lease, lease.Length + 1), Throws.TypeOf<ArgumentOutOfRangeException>());
        pipe.VmSplice(lease, 0);
        Assert.That(lease.IsLocked, Is.False, "nothing spliced, nothing locked");
        var returned = PipeBuffer.Rent();
        returned.Dispose();
        Assert.That(() => pipe.VmSplice(returned, 1), Throws.TypeOf<ObjectDisposedException>());
        pipe.Reader.Dispose();
        var error = Assert.Throws<ZeroCopyException>(() => pipe.VmSplice(lease, 10))!;
        Assert.That(error.Errno, Is.EqualTo(Errno.EPIPE));
        Assert.That(error.Operation, Is.EqualTo("vmsplice"));
    }

    [Test]
    public void TheUnsafeFormSplicesCallerMemory()
    {
        byte[] data = TestIo.Bytes(200_000, 74);
        using Pipe pipe = Pipe.Create();
        var reader = System.Threading.Tasks.Task.Factory.StartNew(() => TestIo.ReadPipe(pipe, data.Length),
            System.Threading.Tasks.TaskCreationOptions.LongRunning);
        pipe.VmSpliceUnsafe(data); // data stays alive and unchanged until read: the caller's duty here
        Assert.That(TestIo.Await(reader), Is.EqualTo(data));
    }
}
