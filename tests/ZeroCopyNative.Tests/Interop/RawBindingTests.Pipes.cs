using NUnit.Framework;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative.Tests.Interop;

/// <summary>Raw bindings: pipe, pipe_set_size, pipe_get_size, bytes_available, set_nonblocking, poll.</summary>
[TestFixture]
public unsafe class RawBindingPipeTests : RawBindingFixture
{
    [Test]
    public void Pipe_Nonblocking_GivesTwoDistinctEndsWithTheFlag()
    {
        (int r, int w) = Raw.Pipe(PipeFlags.NONBLOCK);
        try
        {
            Assert.That(r, Is.GreaterThanOrEqualTo(0));
            Assert.That(w, Is.GreaterThanOrEqualTo(0).And.Not.EqualTo(r));
            FdInfo info = Raw.Query(r);
            Assert.That(info.kind, Is.EqualTo((int)FdKind.PIPE));
            Assert.That(info.status_flags & (int)OpenFlags.NONBLOCK, Is.Not.Zero);
            byte b;
            Raw.AssertErrno(Zcn.read(r, &b, 1), Errno.EAGAIN, "read from an empty non-blocking pipe");
        }
        finally
        {
            Raw.Close(r, w);
        }
    }

    [Test]
    public void Pipe_WithAnUnknownFlag_IsEinval()
    {
        int* fds = stackalloc int[2];
        Raw.AssertErrno(Zcn.pipe(fds, 0x100), Errno.EINVAL, "pipe");
    }

    [Test]
    public void Pipe_WithNullFds_IsEfault() =>
        Raw.AssertErrno(Zcn.pipe(null, 0), Errno.EFAULT, "pipe");

    [Test]
    public void PipeSetSize_GrowsThePipeAndGetSizeReportsIt()
    {
        (int r, int w) = Raw.Pipe();
        try
        {
            int granted = Zcn.pipe_set_size(w, 256 * 1024);

            Assert.That(granted, Is.GreaterThanOrEqualTo(256 * 1024));
            Assert.That(Zcn.pipe_get_size(r), Is.EqualTo(granted), "either end reports the capacity");
        }
        finally
        {
            Raw.Close(r, w);
        }
    }

    [Test]
    public void PipeSetSize_WithANegativeSize_IsEinval()
    {
        (int r, int w) = Raw.Pipe();
        try
        {
            Raw.AssertErrno(Zcn.pipe_set_size(w, -1), Errno.EINVAL, "pipe_set_size");
        }
        finally
        {
            Raw.Close(r, w);
        }
    }

    [Test]
    public void PipeSetSize_OnARegularFile_IsEbadf()
    {
        // Linux answers F_SETPIPE_SZ on a descriptor that is not a pipe with EBADF.
        int file = Raw.OpenOk(NewFile(), OpenFlags.RDWR);
        try
        {
            Raw.AssertErrno(Zcn.pipe_set_size(file, 65536), Errno.EBADF, "pipe_set_size");
        }
        finally
        {
            Raw.Close(file);
        }
    }

    [Test]
    public void PipeGetSize_OfANewPipe_IsSixteenPages()
    {
        (int r, int w) = Raw.Pipe();
        try
        {
            Assert.That(Zcn.pipe_get_size(w), Is.EqualTo(16 * Zcn.page_size()));
        }
        finally
        {
            Raw.Close(r, w);
        }
    }

    [Test]
    public void PipeGetSize_OfAClosedDescriptor_IsEbadf() =>
        Raw.AssertErrno(Zcn.pipe_get_size(Raw.BadFd), Errno.EBADF, "pipe_get_size");

    [Test]
    public void BytesAvailable_CountsQueuedBytesOnEitherEnd()
    {
        (int r, int w) = Raw.Pipe();
        try
        {
            Assert.That(Zcn.bytes_available(r), Is.Zero);
            Raw.WriteAll(w, Raw.Pattern(123));
            Assert.That(Zcn.bytes_available(r), Is.EqualTo(123));
            Assert.That(Zcn.bytes_available(w), Is.EqualTo(123));
        }
        finally
        {
            Raw.Close(r, w);
        }
    }

    [Test]
    public void BytesAvailable_OfAClosedDescriptor_IsEbadf() =>
        Raw.AssertErrno(Zcn.bytes_available(Raw.BadFd), Errno.EBADF, "bytes_available");

    [Test]
    public void SetNonblocking_TogglesTheStatusFlag()
    {
        (int r, int w) = Raw.Pipe();
        try
        {
            Assert.That(Zcn.set_nonblocking(r, 1), Is.Zero);
            Assert.That(Raw.Query(r).status_flags & (int)OpenFlags.NONBLOCK, Is.Not.Zero);
            byte b;
            Raw.AssertErrno(Zcn.read(r, &b, 1), Errno.EAGAIN, "read from an empty non-blocking pipe");

            Assert.That(Zcn.set_nonblocking(r, 0), Is.Zero);
            Assert.That(Raw.Query(r).status_flags & (int)OpenFlags.NONBLOCK, Is.Zero);
        }
        finally
        {
            Raw.Close(r, w);
        }
    }

    [Test]
    public void SetNonblocking_OnAClosedDescriptor_IsEbadf() =>
        Raw.AssertErrno(Zcn.set_nonblocking(Raw.BadFd, 1), Errno.EBADF, "set_nonblocking");

    [Test]
    public void Poll_ReportsWritableAndThenReadable()
    {
        (int r, int w) = Raw.Pipe();
        try
        {
            Assert.That(Zcn.poll(w, (int)PollEvents.POLLOUT, 1000), Is.EqualTo((int)PollEvents.POLLOUT));
            Assert.That(Zcn.poll(r, (int)PollEvents.POLLIN, 0), Is.Zero, "nothing to read: times out at once");
            Raw.WriteAll(w, Raw.Pattern(1));
            Assert.That(Zcn.poll(r, (int)PollEvents.POLLIN, 1000), Is.EqualTo((int)PollEvents.POLLIN));
        }
        finally
        {
            Raw.Close(r, w);
        }
    }

    [Test]
    public void Poll_WithATimeoutBelowMinusOne_IsEinval()
    {
        (int r, int w) = Raw.Pipe();
        try
        {
            Raw.AssertErrno(Zcn.poll(r, (int)PollEvents.POLLIN, -2), Errno.EINVAL, "poll");
        }
        finally
        {
            Raw.Close(r, w);
        }
    }
}
