using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Win32.SafeHandles;
using NUnit.Framework;
using ZeroCopyNative.Tests.Transfers;

namespace ZeroCopyNative.Tests.Pipes;

/// <summary>A handle disposed while a call uses its descriptor: the close waits for the call.</summary>
public sealed class LifetimeTests
{
    [Test]
    public void DisposingAHandleDuringABlockedSpliceDefersTheClose()
    {
        using TempFolder folder = TestIo.Folder();
        using SafeFileHandle destination = TestIo.Create(folder.File("dst"));
        using Pipe pipe = Pipe.Create();
        SafeFileHandle reader = pipe.Reader;
        int fd = (int)reader.DangerousGetHandle();
        using var started = new ManualResetEventSlim();
        Task<long> call = Task.Factory.StartNew(() =>
        {
            started.Set();
            return ZeroCopy.Splice(reader, null, destination, 0, 5); // blocks: the pipe is empty
        }, TaskCreationOptions.LongRunning);
        Assert.That(started.Wait(TimeSpan.FromSeconds(60)), Is.True);
        Thread.Sleep(100); // let the call reach splice(2); either interleaving is checked below

        reader.Dispose();
        if (!call.IsCompleted)
        {
            Assert.That(File.Exists($"/proc/self/fd/{fd}"), Is.True, "the descriptor stays open while the call holds it");
        }

        pipe.Write(new byte[] { 1, 2, 3, 4, 5 });
        try
        {
            Assert.That(TestIo.Await(call), Is.EqualTo(5));
            Assert.That(File.ReadAllBytes(folder.File("dst")), Is.EqualTo(new byte[] { 1, 2, 3, 4, 5 }));
        }
        catch (AggregateException e) when (e.InnerException is ObjectDisposedException)
        {
            // Disposed before the call took its reference: refused up front, never a closed or reused descriptor.
        }

        Assert.That(() => ZeroCopy.Splice(reader, null, destination, 0, 5), Throws.TypeOf<ObjectDisposedException>());
    }
}
