using System;
using System.Collections.Generic;
using System.IO;
using System.Threading.Tasks;
using Microsoft.Win32.SafeHandles;
using NUnit.Framework;
using ZeroCopyNative.Tests.Transfers;

namespace ZeroCopyNative.Tests.Async;

/// <summary>
/// A descriptor disposed under a waiting operation frees its number, and the next open(2), pipe(2) or socket(2) gets
/// that number at once, well before the event loop's 250 ms sweep finds the closed handle: the operation on the new
/// descriptor must be served, and the old one must still end with ObjectDisposedException. Run in a child process: a
/// failure here leaves the process-wide event loop in a state that would fail unrelated tests after it.
/// </summary>
[Category("Async")]
#pragma warning disable CS0618 // [Order] is obsolete in NUnit 5 and still orders fixtures: see AsyncSuiteSetUp
[Order(SuiteOrder.Dispose)]
#pragma warning restore CS0618
public sealed class DescriptorReuseTests
{
    private const double SweepSeconds = 10;
    private const string ChildName =
        "ZeroCopyNative.Tests.Async.DescriptorReuseTests.ChildProbe_ReuseADescriptorNumberRightAfterADispose";

    [Test]
    public void ADescriptorNumberReusedRightAfterADispose_ServesItsNewOperation_AndTheOldOneStillEnds()
    {
        (int exitCode, string output) = ChildProcess.Run(ChildProcess.Self("--test", ChildName), TimeSpan.FromSeconds(120));

        Assert.That(exitCode, Is.EqualTo(0), output);
        Assert.That(output, Does.Contain("1 passed, 0 failed"), output);
    }

    [Test]
    [Explicit("Run by ADescriptorNumberReusedRightAfterADispose_ServesItsNewOperation_AndTheOldOneStillEnds in a child process")]
    public void ChildProbe_ReuseADescriptorNumberRightAfterADispose()
    {
        using TempFolder folder = TestIo.Folder();
        using SafeFileHandle first = TestIo.Create(folder.File("first"));
        using SafeFileHandle second = TestIo.Create(folder.File("second"));
        (SafeFileHandle oldReader, SafeFileHandle oldWriter) = Reliability.Fds.RawPipe(nonBlocking: true);
        var spare = new List<SafeFileHandle>();
        try
        {
            Task<TransferResult> old = ZeroCopy.TransferAsync(oldReader, first).AsTask();
            AsyncKit.StillWaiting(old, "a transfer from an empty pipe", 20);
            int number = AsyncKit.Fd(oldReader);

            // Dispose, and at once (well within the 250 ms sweep) open pipes until one gets the freed number.
            oldReader.Dispose();
            SafeFileHandle? newReader = null, newWriter = null;
            for (int i = 0; i < 64 && newReader == null; i++)
            {
                (SafeFileHandle r, SafeFileHandle w) = Reliability.Fds.RawPipe(nonBlocking: true);
                if (AsyncKit.Fd(r) == number)
                {
                    (newReader, newWriter) = (r, w);
                }
                else
                {
                    spare.Add(r);
                    spare.Add(w);
                }
            }

            Assert.That(newReader, Is.Not.Null, $"descriptor {number} was not reused");
            using (newReader)
            using (newWriter)
            {
                Task<TransferResult> fresh = ZeroCopy.TransferAsync(newReader!, second).AsTask();
                AsyncKit.StillWaiting(fresh, "a transfer from the new, empty pipe", 20);
                AsyncKit.WriteRaw(newWriter!, new byte[] { 1, 2, 3, 4, 5 });
                newWriter!.Dispose();

                Assert.That(AsyncKit.Result(fresh, "the transfer on the reused number", SweepSeconds).Bytes, Is.EqualTo(5),
                            "the new pipe's transfer moves its bytes and ends at its end of input");
                Assert.That(new FileInfo(folder.File("second")).Length, Is.EqualTo(5));
            }

            AsyncKit.Fails<ObjectDisposedException>(old, "the transfer on the disposed handle", SweepSeconds);
        }
        finally
        {
            oldWriter.Dispose();
            spare.ForEach(h => h.Dispose());
        }

        // The loop still parks and wakes operations on other descriptors.
        using Pipe pipe = Pipe.Create();
        Task<int> read = pipe.ReadAsync(new byte[4]).AsTask();
        AsyncKit.StillWaiting(read, "a read of an empty pipe", 20);
        pipe.Write(new byte[] { 1, 2 });
        Assert.That(AsyncKit.Result(read, "a read after the dispose"), Is.EqualTo(2));
        for (int i = 0; i < 50; i++)
        {
            using Pipe another = Pipe.Create();
            Task<int> next = another.ReadAsync(new byte[4]).AsTask();
            another.Write(new byte[] { 3 });
            Assert.That(AsyncKit.Result(next, $"read {i} on a new pipe"), Is.EqualTo(1));
        }
    }
}
