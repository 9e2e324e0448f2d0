using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net.Sockets;
using Microsoft.Win32.SafeHandles;
using NUnit.Framework;

namespace ZeroCopyNative.Tests.Reliability;

/// <summary>
/// Inheritance: no descriptor the library creates (pipes, the pooled pipes behind Transfer, memfds, DirectFile,
/// MappedFile.Open's short-lived descriptor) reaches a child started with Process.Start: every one is O_CLOEXEC. The
/// child lists its own /proc/self/fd; none of the library's targets may appear there.
/// </summary>
[Category("Reliability")]
public sealed class InheritanceTests
{
    [Test]
    public void AChildProcess_InheritsNoDescriptorOfTheLibrary()
    {
        using var scratch = new ScratchDirectory();
        scratch.CreateFile("direct", 8192);
        // Empty the transfer pipe pool, so that the pipe Transfer rents below is made (and seen) by this test.
        ProcessState.EmptyPipePool();
        Dictionary<int, string> before = ProcessState.FdTargets();

        using Pipe pipe = Pipe.Create();
        using Pipe nonBlocking = Pipe.Create(nonBlocking: true);
        using SafeFileHandle memfd = MemFd.Create("zcn-inherit-memfd");
        using MappedFile sealedMap = MappedFile.CreateSealed(4096, name: "zcn-inherit-sealed");
        using DirectFile direct = DirectFile.Open(scratch.File("direct"));
        using PipeBuffer lease = PipeBuffer.Rent();
        pipe.VmSplice(lease, 100);
        // Socket to socket: Transfer rents an intermediate pipe from the pool and keeps it there afterwards.
        using SocketPair from = SocketPair.Unix();
        using SocketPair to = SocketPair.Unix();
        from.Left.Send(new byte[10]);
        Assert.That(ZeroCopy.Transfer(from.Right.SafeHandle, to.Left.SafeHandle, 10).Method, Is.EqualTo(TransferMethod.SpliceThroughPipe));

        Dictionary<int, string> after = ProcessState.FdTargets();
        string[] ours = after.Where(p => !before.ContainsKey(p.Key))
                             .Select(p => p.Value)
                             .Where(t => t.StartsWith("pipe:", StringComparison.Ordinal) || t.Contains("memfd:zcn-inherit", StringComparison.Ordinal) ||
                                         t == scratch.File("direct"))
                             .Distinct()
                             .ToArray();
        // Two pipes, the pooled pipe, two memfds, the DirectFile.
        Assert.That(ours.Count(t => t.StartsWith("pipe:", StringComparison.Ordinal)), Is.EqualTo(3));
        Assert.That(ours.Count(t => t.Contains("memfd:", StringComparison.Ordinal)), Is.EqualTo(2));
        Assert.That(ours.Contains(scratch.File("direct")), Is.True);

        // (Descriptors the process inherited from whoever started it are not the library's, and may well be inherited.)
        string[] allLibraryTargets = ours;
        string listing = ListChildDescriptors();
        string[] inherited = allLibraryTargets.Where(t => listing.Contains(t, StringComparison.Ordinal)).ToArray();
        Report.Figure($"inheritance: {allLibraryTargets.Length} library descriptors open " +
                      $"({string.Join(", ", ours)}); the child saw {listing.Split('\n').Count(l => l.Contains("->", StringComparison.Ordinal))} " +
                      $"descriptors, {inherited.Length} of them the library's");
        Assert.That(inherited.Length, Is.Zero, $"inherited by the child:\n{listing}");

        // The listing itself works: the child's own standard output pipe is in it.
        Assert.That(listing, Does.Contain(" 1 -> pipe:["), listing);
    }

    [Test]
    public void AChildProcess_InheritsNothingFromAMappedFileOrDirectFileThatIsStillOpen()
    {
        using var scratch = new ScratchDirectory();
        scratch.CreateFile("mapped", 8192);
        using MappedFile map = MappedFile.Open(scratch.File("mapped"), MappedFileAccess.ReadWrite);
        using DirectFile direct = DirectFile.Open(scratch.File("mapped"), FileMode.Open, FileAccess.Read);
        string listing = ListChildDescriptors();
        Assert.That(listing, Does.Not.Contain(scratch.File("mapped")), listing);
    }

    private static string ListChildDescriptors()
    {
        var info = new ProcessStartInfo("/bin/ls", "-l /proc/self/fd/")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using Process child = Process.Start(info)!;
        string output = child.StandardOutput.ReadToEnd();
        string errors = child.StandardError.ReadToEnd();
        Assert.That(child.WaitForExit(30_000), Is.True, "ls did not finish");
        Assert.That(child.ExitCode, Is.Zero, errors);
        return output;
    }
}
