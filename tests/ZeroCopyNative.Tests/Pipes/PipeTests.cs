using System;
using System.IO;
using System.Threading.Tasks;
using Microsoft.Win32.SafeHandles;
using NUnit.Framework;
using ZeroCopyNative.Interop;
using ZeroCopyNative.Tests.Transfers;

namespace ZeroCopyNative.Tests.Pipes;

public sealed class PipeTests
{
    [Test]
    public void CreatesAPipeWithItsEndsAndTheDefaultCapacity()
    {
        using Pipe pipe = Pipe.Create();
        Assert.That(pipe.Reader.IsInvalid, Is.False);
        Assert.That(pipe.Writer.IsInvalid, Is.False);
        Assert.That(pipe.Capacity, Is.EqualTo(65536));
        Assert.That(pipe.BytesAvailable, Is.EqualTo(0));
        Assert.That(TestIo.StatusFlags(pipe.Reader) & (int)OpenFlags.NONBLOCK, Is.EqualTo(0));
        using Pipe nonBlocking = Pipe.Create(nonBlocking: true);
        Assert.That(TestIo.StatusFlags(nonBlocking.Writer) & (int)OpenFlags.NONBLOCK, Is.Not.EqualTo(0));
    }

    [Test]
    public void CapacityCanBeSetUpToTheSystemLimit()
    {
        int limit = int.Parse(File.ReadAllText("/proc/sys/fs/pipe-max-size").Trim(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.That(Pipe.MaxCapacity, Is.EqualTo(limit));
        using Pipe pipe = Pipe.Create(capacity: 100_000);
        Assert.That(pipe.Capacity, Is.EqualTo(131072), "rounded up to a power-of-two number of pages");
        pipe.Capacity = limit;
        Assert.That(pipe.Capacity, Is.EqualTo(limit));

        var tooLarge = Assert.Throws<ArgumentOutOfRangeException>(() => pipe.Capacity = limit + 1)!;
        Assert.That(tooLarge.Message, Does.Contain("/proc/sys/fs/pipe-max-size").And.Contain(limit.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.That(() => Pipe.Create(capacity: limit + 1), Throws.TypeOf<ArgumentOutOfRangeException>());
        Assert.That(() => pipe.Capacity = 0, Throws.TypeOf<ArgumentOutOfRangeException>());
        Assert.That(() => Pipe.Create(capacity: -4096), Throws.TypeOf<ArgumentOutOfRangeException>());
        Assert.That(pipe.Capacity, Is.EqualTo(limit), "a refused value changes nothing");
    }

    [Test]
    public void ShrinkingBelowTheQueuedBytesIsEbusy()
    {
        using Pipe pipe = Pipe.Create();
        pipe.Write(new byte[3 * 4096]);
        var error = Assert.Throws<ZeroCopyException>(() => pipe.Capacity = 4096)!;
        Assert.That(error.Errno, Is.EqualTo(Errno.EBUSY));
        Assert.That(error.Operation, Is.EqualTo("fcntl(F_SETPIPE_SZ)"));
    }

    [Test]
    public void WriteReadAndEndOfInput()
    {
        byte[] data = TestIo.Bytes(50_000, 61);
        using Pipe pipe = Pipe.Create();
        pipe.Write(data);
        Assert.That(pipe.BytesAvailable, Is.EqualTo(data.Length));
        pipe.CompleteWriting();
        Assert.That(TestIo.ReadPipe(pipe, data.Length + 10), Is.EqualTo(data), "then end of input");
        Assert.That(pipe.Read(new byte[10]), Is.EqualTo(0));
        Assert.That(() => pipe.Write(new byte[1]), Throws.TypeOf<ObjectDisposedException>());
    }

    [Test]
    public void WritingToAPipeWithoutReaderIsEpipe()
    {
        using Pipe pipe = Pipe.Create();
        pipe.Reader.Dispose();
        var error = Assert.Throws<ZeroCopyException>(() => pipe.Write(new byte[10]))!;
        Assert.That(error.Errno, Is.EqualTo(Errno.EPIPE));
        Assert.That(error.Message, Is.EqualTo("write failed: EPIPE (Broken pipe)"));
    }

    [Test]
    public void SplicesFromAndToFilesAndSocketsAndTeesToAnotherPipe()
    {
        using TempFolder folder = TestIo.Folder();
        byte[] data = TestIo.Bytes(40_000, 62);
        File.WriteAllBytes(folder.File("src"), data);
        using SafeFileHandle source = TestIo.OpenRead(folder.File("src"));
        using SafeFileHandle destination = TestIo.Create(folder.File("dst"));
        using Pipe pipe = Pipe.Create();
        using Pipe copy = Pipe.Create();

        Assert.That(pipe.SpliceFrom(source, 0, data.Length), Is.EqualTo(data.Length));
        Assert.That(pipe.TeeTo(copy, data.Length), Is.EqualTo(data.Length));
        Assert.That(pipe.SpliceTo(destination, 100, data.Length), Is.EqualTo(data.Length));
        Assert.That(File.ReadAllBytes(folder.File("dst")).AsSpan(100).ToArray(), Is.EqualTo(data));

        using SocketPair pair = TestIo.Unix();
        var received = TestIo.ReceiveInBackground(pair.Server, data.Length);
        Assert.That(copy.SpliceTo(pair.Client.SafeHandle, null, data.Length), Is.EqualTo(data.Length));
        Assert.That(TestIo.Await(received), Is.EqualTo(data));

        pair.Server.Send(data.AsSpan(0, 1000));
        Assert.That(pipe.SpliceFrom(pair.Client.SafeHandle, null, 1000), Is.EqualTo(1000));
        Assert.That(TestIo.ReadPipe(pipe, 1000), Is.EqualTo(data.AsSpan(0, 1000).ToArray()));

        Assert.That(() => pipe.TeeTo(pipe, 1), Throws.ArgumentException);
        Assert.That(() => pipe.SpliceFrom(null!, null, 1), Throws.ArgumentNullException);
        Assert.That(() => pipe.SpliceTo(destination, -1, 1), Throws.TypeOf<ArgumentOutOfRangeException>());
    }

    [Test]
    public void DisposedPipesThrowObjectDisposed()
    {
        var pipe = Pipe.Create();
        pipe.Dispose();
        pipe.Dispose();
        Assert.That(() => pipe.Reader, Throws.TypeOf<ObjectDisposedException>());
        Assert.That(() => pipe.Writer, Throws.TypeOf<ObjectDisposedException>());
        Assert.That(() => pipe.Capacity, Throws.TypeOf<ObjectDisposedException>());
        Assert.That(() => pipe.BytesAvailable, Throws.TypeOf<ObjectDisposedException>());
        Assert.That(() => pipe.Write(new byte[1]), Throws.TypeOf<ObjectDisposedException>());
        Assert.That(() => pipe.Read(new byte[1]), Throws.TypeOf<ObjectDisposedException>());
        using PipeBuffer lease = PipeBuffer.Rent();
        Assert.That(() => pipe.VmSplice(lease, 1), Throws.TypeOf<ObjectDisposedException>());
        Assert.That(() => pipe.VmSpliceUnsafe(new byte[1]), Throws.TypeOf<ObjectDisposedException>());
    }

    [Test]
    public void ANonBlockingPipeWaitsInsteadOfFailing()
    {
        byte[] data = TestIo.Bytes(1_000_000, 63);
        using Pipe pipe = Pipe.Create(nonBlocking: true);
        var reader = Task.Factory.StartNew(() => TestIo.ReadPipe(pipe, data.Length), TaskCreationOptions.LongRunning);
        pipe.Write(data); // far above the capacity: EAGAIN until the reader makes room
        Assert.That(TestIo.Await(reader), Is.EqualTo(data));
    }
}
