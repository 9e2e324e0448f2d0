using System;
using System.IO;
using System.Net;
using System.Net.Sockets;
using NUnit.Framework;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative.Tests.Interop;

/// <summary>Raw bindings: sendfile, splice, tee, vmsplice, copy_file_range. Each with a verified transfer and an
/// errno the kernel gives for a bad argument.</summary>
[TestFixture]
public unsafe class RawBindingTransferTests : RawBindingFixture
{
    [Test]
    public void Sendfile_FileToPipe_SendsTheBytesAndAdvancesTheOffset()
    {
        byte[] data = Raw.Pattern(10000);
        int file = Raw.OpenOk(NewFile(data), OpenFlags.RDONLY);
        (int r, int w) = Raw.Pipe();
        try
        {
            long offset = 100;
            long sent = Zcn.sendfile(w, file, &offset, 4000);

            Assert.That(sent, Is.EqualTo(4000));
            Assert.That(offset, Is.EqualTo(4100));
            Assert.That(Raw.ReadExactly(r, 4000), Is.EqualTo(data[100..4100]));
            Assert.That(Zcn.lseek(file, 0, (int)Whence.SEEK_CUR), Is.Zero, "the file position is left alone");
        }
        finally
        {
            Raw.Close(file, r, w);
        }
    }

    [Test]
    public void Sendfile_FileToLoopbackSocket_ArrivesIntactAndBytesAvailableCountsIt()
    {
        byte[] data = Raw.Pattern(50000);
        int file = Raw.OpenOk(NewFile(data), OpenFlags.RDONLY);
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        client.Connect(listener.LocalEndPoint!);
        using Socket server = listener.Accept();
        try
        {
            long sent = 0;
            long offset = 0;
            for (int i = 0; i < 1000 && sent < data.Length; i++)
            {
                long n = Zcn.sendfile((int)client.Handle, file, &offset, (ulong)(data.Length - sent));
                Raw.AssertOk(n, "sendfile");
                sent += n;
            }

            Assert.That(sent, Is.EqualTo(data.Length));
            var received = new byte[data.Length];
            int got = 0;
            server.ReceiveTimeout = 10000;
            for (int i = 0; i < 1000 && got < received.Length; i++)
            {
                if (i == 0)
                {
                    // Wait until the first bytes are queued, then FIONREAD must see them.
                    Assert.That(Zcn.poll((int)server.Handle, (int)PollEvents.POLLIN, 10000),
                        Is.EqualTo((int)PollEvents.POLLIN));
                    Assert.That(Zcn.bytes_available((int)server.Handle), Is.GreaterThan(0));
                }

                got += server.Receive(received, got, received.Length - got, SocketFlags.None);
            }

            Assert.That(received, Is.EqualTo(data));
        }
        finally
        {
            Raw.Close(file);
        }
    }

    [Test]
    public void Sendfile_ToAClosedDescriptor_IsEbadf()
    {
        int file = Raw.OpenOk(NewFile(Raw.Pattern(10)), OpenFlags.RDONLY);
        try
        {
            Raw.AssertErrno(Zcn.sendfile(Raw.BadFd, file, null, 10), Errno.EBADF, "sendfile");
        }
        finally
        {
            Raw.Close(file);
        }
    }

    [Test]
    public void Splice_FileToPipeToFile_MovesTheBytesAtTheGivenOffsets()
    {
        byte[] data = Raw.Pattern(8192);
        int source = Raw.OpenOk(NewFile(data), OpenFlags.RDONLY);
        string targetPath = NewFile();
        int target = Raw.OpenOk(targetPath, OpenFlags.WRONLY);
        (int r, int w) = Raw.Pipe();
        try
        {
            long offIn = 1000;
            Assert.That(Zcn.splice(source, &offIn, w, null, 5000, (uint)SpliceFlags.MOVE), Is.EqualTo(5000));
            Assert.That(offIn, Is.EqualTo(6000));

            long offOut = 10;
            Assert.That(Zcn.splice(r, null, target, &offOut, 5000, 0), Is.EqualTo(5000));
            Assert.That(offOut, Is.EqualTo(5010));

            byte[] written = File.ReadAllBytes(targetPath);
            Assert.That(written.Length, Is.EqualTo(5010));
            Assert.That(written[10..], Is.EqualTo(data[1000..6000]));
        }
        finally
        {
            Raw.Close(source, target, r, w);
        }
    }

    [Test]
    public void Splice_WithAnOffsetForAPipe_IsEspipe()
    {
        (int r, int w) = Raw.Pipe();
        int target = Raw.OpenOk(NewFile(), OpenFlags.WRONLY);
        try
        {
            Raw.WriteAll(w, Raw.Pattern(16));
            long offIn = 0;
            Raw.AssertErrno(Zcn.splice(r, &offIn, target, null, 16, 0), Errno.ESPIPE, "splice");
        }
        finally
        {
            Raw.Close(r, w, target);
        }
    }

    [Test]
    public void Tee_DuplicatesPipeDataWithoutConsumingIt()
    {
        byte[] data = Raw.Pattern(3000);
        (int r1, int w1) = Raw.Pipe();
        (int r2, int w2) = Raw.Pipe();
        try
        {
            Raw.WriteAll(w1, data);

            Assert.That(Zcn.tee(r1, w2, 3000, (uint)SpliceFlags.NONBLOCK), Is.EqualTo(3000));
            Assert.That(Raw.ReadExactly(r2, 3000), Is.EqualTo(data));
            Assert.That(Raw.ReadExactly(r1, 3000), Is.EqualTo(data), "the source still holds the data");
        }
        finally
        {
            Raw.Close(r1, w1, r2, w2);
        }
    }

    [Test]
    public void Tee_FromARegularFile_IsEinval()
    {
        int file = Raw.OpenOk(NewFile(Raw.Pattern(100)), OpenFlags.RDONLY);
        (int r, int w) = Raw.Pipe();
        try
        {
            Raw.AssertErrno(Zcn.tee(file, w, 100, 0), Errno.EINVAL, "tee");
        }
        finally
        {
            Raw.Close(file, r, w);
        }
    }

    [Test]
    public void Vmsplice_TwoSegmentsIntoAPipe_ReadBackInOrder()
    {
        const int size = 4096;
        void* block;
        Raw.AssertOk(Zcn.aligned_alloc(&block, 4096, 2 * size), "aligned_alloc");
        (int r, int w) = Raw.Pipe();
        try
        {
            byte[] data = Raw.Pattern(2 * size);
            data.AsSpan().CopyTo(new System.Span<byte>(block, 2 * size));
            IoVec* iov = stackalloc IoVec[2];
            iov[0].@base = block;
            iov[0].len = size;
            iov[1].@base = (byte*)block + size;
            iov[1].len = size;

            Assert.That(Zcn.vmsplice(w, iov, 2, 0), Is.EqualTo(2 * size));
            // The pipe references the block's pages: drain it before the block is freed.
            Assert.That(Raw.ReadExactly(r, 2 * size), Is.EqualTo(data));
        }
        finally
        {
            Raw.Close(r, w);
            Zcn.aligned_free(block);
        }
    }

    [Test]
    public void Vmsplice_ToAClosedDescriptor_IsEbadf()
    {
        byte* buffer = stackalloc byte[16];
        IoVec iov = new() { @base = buffer, len = 16 };
        Raw.AssertErrno(Zcn.vmsplice(Raw.BadFd, &iov, 1, 0), Errno.EBADF, "vmsplice");
    }

    [Test]
    public void CopyFileRange_BetweenFiles_CopiesTheRangeAndUpdatesBothOffsets()
    {
        byte[] data = Raw.Pattern(20000);
        int source = Raw.OpenOk(NewFile(data), OpenFlags.RDONLY);
        string targetPath = NewFile();
        int target = Raw.OpenOk(targetPath, OpenFlags.WRONLY);
        try
        {
            long offIn = 500;
            long offOut = 0;
            long copied = 0;
            // copy_file_range may return less than asked: loop, bounded.
            for (int i = 0; i < 100 && copied < 15000; i++)
            {
                long n = Zcn.copy_file_range(source, &offIn, target, &offOut, (ulong)(15000 - copied),
                                             (uint)CopyFileRangeFlags.NONE);
                Raw.AssertOk(n, "copy_file_range");
                if (n == 0)
                {
                    break;
                }

                copied += n;
            }

            Assert.That(copied, Is.EqualTo(15000));
            Assert.That(offIn, Is.EqualTo(15500));
            Assert.That(offOut, Is.EqualTo(15000));
            Assert.That(File.ReadAllBytes(targetPath), Is.EqualTo(data[500..15500]));
        }
        finally
        {
            Raw.Close(source, target);
        }
    }

    [Test]
    public void CopyFileRange_WithNonZeroFlags_IsEinval()
    {
        int source = Raw.OpenOk(NewFile(Raw.Pattern(100)), OpenFlags.RDONLY);
        int target = Raw.OpenOk(NewFile(), OpenFlags.WRONLY);
        try
        {
            Raw.AssertErrno(Zcn.copy_file_range(source, null, target, null, 100, 1), Errno.EINVAL, "copy_file_range");
        }
        finally
        {
            Raw.Close(source, target);
        }
    }
}
