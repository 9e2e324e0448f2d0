using System;
using System.Buffers;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using Microsoft.Win32.SafeHandles;
using NUnit.Framework;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative.Tests.Memory;

/// <summary>
/// Growing files: GetFileLength, Extend inside a reservation (OpenGrowable), Remap while the old mapping stays
/// valid, the descriptor each kind of mapping keeps, and GetMemory/GetReadOnlyMemory over a range of the window.
/// </summary>
public sealed unsafe class MappedFileGrowthTests
{
    private static readonly int Page = Environment.SystemPageSize;

    [Test]
    public void GetMemoryAndGetReadOnlyMemory_CoverExactlyTheRangeAskedFor()
    {
        using var scratch = new ScratchDirectory();
        byte[] data = scratch.CreateFile("f", 3 * Page);
        using MappedFile map = MappedFile.Open(scratch.File("f"), MappedFileAccess.ReadWrite);

        Memory<byte> memory = map.GetMemory(Page + 5, 100);
        ReadOnlyMemory<byte> readOnly = map.GetReadOnlyMemory(2 * Page - 7, 50);
        Assert.That(memory.Length, Is.EqualTo(100));
        Assert.That(memory.Span.SequenceEqual(data.AsSpan(Page + 5, 100)), Is.True);
        Assert.That(readOnly.Span.SequenceEqual(data.AsSpan(2 * Page - 7, 50)), Is.True);

        memory.Span[0] = 0xA5;
        Assert.That(map.ReadOnlySpan[Page + 5], Is.EqualTo(0xA5), "GetMemory writes through to the mapping");
        Assert.That(memory.Slice(10, 5).Span.SequenceEqual(data.AsSpan(Page + 15, 5)), Is.True);

        // Empty ranges, including at the very end of the window.
        Assert.That(map.GetMemory(3 * Page, 0).Length, Is.Zero);
        Assert.That(map.GetReadOnlyMemory(0, 0).Length, Is.Zero);
        Assert.That(map.GetReadOnlyMemory(0, 3 * Page).Span.SequenceEqual(map.ReadOnlySpan), Is.True);
    }

    [Test]
    public void GetMemoryAndGetReadOnlyMemory_RejectRangesOutsideTheWindow()
    {
        using MappedFile map = MappedFile.CreateAnonymous(2 * Page);
        Assert.Multiple(() =>
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => map.GetMemory(-1, 1));
            Assert.Throws<ArgumentOutOfRangeException>(() => map.GetMemory(0, -1));
            Assert.Throws<ArgumentOutOfRangeException>(() => map.GetMemory(2 * Page + 1, 0));
            Assert.Throws<ArgumentOutOfRangeException>(() => map.GetMemory(2 * Page - 1, 2));
            Assert.Throws<ArgumentOutOfRangeException>(() => map.GetMemory(long.MaxValue, 1));
            Assert.Throws<ArgumentOutOfRangeException>(() => map.GetReadOnlyMemory(-1, 1));
            Assert.Throws<ArgumentOutOfRangeException>(() => map.GetReadOnlyMemory(0, -1));
            Assert.Throws<ArgumentOutOfRangeException>(() => map.GetReadOnlyMemory(1, 2 * Page));
            Assert.Throws<ArgumentOutOfRangeException>(() => map.GetReadOnlyMemory(long.MaxValue, int.MaxValue));
        });
        Assert.That(map.GetMemory(2 * Page - 1, 1).Length, Is.EqualTo(1));
        Assert.That(map.GetReadOnlyMemory(2 * Page, 0).Length, Is.Zero);
    }

    [Test]
    public void GetMemory_RefusesAReadOnlyMapping_GetReadOnlyMemoryServesIt()
    {
        using var scratch = new ScratchDirectory();
        byte[] data = scratch.CreateFile("f", 2 * Page);
        using MappedFile map = MappedFile.Open(scratch.File("f"));
        Assert.Throws<NotSupportedException>(() => map.GetMemory(0, 1));
        Assert.That(map.GetReadOnlyMemory(Page, Page).Span.SequenceEqual(data.AsSpan(Page)), Is.True);
    }

    [Test]
    public void MemoryFromGetMemory_KeepsTheMappingWhilePinned_AndRefusesItsSpanAfterDispose()
    {
        MappedFile map = MappedFile.CreateAnonymous(3 * Page);
        map.Span.Fill(0x5A);
        nint start = map.Handle.DangerousGetHandle();
        Memory<byte> memory = map.GetMemory(Page, Page);
        ReadOnlyMemory<byte> readOnly = map.GetReadOnlyMemory(2 * Page, 10);
        MemoryHandle pin = memory.Pin();
        Assert.That((long)pin.Pointer, Is.EqualTo((long)start + Page));

        map.Dispose();
        Assert.Throws<ObjectDisposedException>(() => _ = memory.Span);
        Assert.Throws<ObjectDisposedException>(() => _ = readOnly.Span);
        Assert.Throws<ObjectDisposedException>(() => memory.Pin());
        Assert.Throws<ObjectDisposedException>(() => map.GetMemory(0, 1));
        Assert.Throws<ObjectDisposedException>(() => map.GetReadOnlyMemory(0, 1));
        Assert.That(IsMapped(start), Is.True, "a pinned range keeps the mapping after Dispose");
        Assert.That(((byte*)pin.Pointer)[0], Is.EqualTo(0x5A));

        pin.Dispose();
        Assert.That(IsMapped(start), Is.False, "releasing the pin unmaps");
    }

    [Test]
    public void OpenGrowable_StartsAtTheFilesEnd_AndExtendGrowsTheWindowInPlace()
    {
        using var scratch = new ScratchDirectory();
        string path = scratch.File("log");
        File.WriteAllBytes(path, []);
        using MappedFile map = MappedFile.OpenGrowable(path, 4 * Page);
        Assert.That(map.Length, Is.Zero);
        Assert.That(map.Capacity, Is.EqualTo(4 * Page));
        Assert.That(map.GetFileLength(), Is.Zero);
        Assert.That(map.Extend(), Is.Zero);
        Assert.That(map.Length, Is.Zero);

        byte[] data = ScratchDirectory.Pattern(5 * Page);
        Append(path, data.AsSpan(0, 100));
        nint start = map.Handle.DangerousGetHandle();
        Assert.That(map.GetFileLength(), Is.EqualTo(100));
        Assert.That(map.Extend(), Is.EqualTo(100));
        Assert.That(map.Length, Is.EqualTo(100));
        ReadOnlySpan<byte> first = map.GetReadOnlySpan(0, 100);
        Assert.That(first.SequenceEqual(data.AsSpan(0, 100)), Is.True);

        Append(path, data.AsSpan(100, 2 * Page));
        Assert.That(map.Extend(), Is.EqualTo(2 * Page + 100));
        Assert.That(map.Length, Is.EqualTo(2 * Page + 100));
        Assert.That(map.Handle.DangerousGetHandle(), Is.EqualTo(start), "the mapping did not move");
        Assert.That(first.SequenceEqual(data.AsSpan(0, 100)), Is.True, "a span taken before Extend stays valid");
        Assert.That(map.ReadOnlySpan.SequenceEqual(data.AsSpan(0, 2 * Page + 100)), Is.True);

        // Past the capacity: the window stops there and Extend reports the file's bytes.
        Append(path, data.AsSpan(2 * Page + 100));
        Assert.That(map.Extend(), Is.EqualTo(5 * Page));
        Assert.That(map.Length, Is.EqualTo(4 * Page));
        Assert.That(map.ReadOnlySpan.SequenceEqual(data.AsSpan(0, 4 * Page)), Is.True);
    }

    [Test]
    public void OpenGrowable_AtAnOffset_CountsFromTheOffset()
    {
        using var scratch = new ScratchDirectory();
        byte[] data = scratch.CreateFile("f", Page + 10);
        using MappedFile map = MappedFile.OpenGrowable(scratch.File("f"), 2 * Page, offset: Page + 50);
        Assert.That(map.Length, Is.Zero, "the file does not reach the offset yet");
        Assert.That(map.Extend(), Is.EqualTo(-40));
        Append(scratch.File("f"), ScratchDirectory.Pattern(100, seed: 9));
        Assert.That(map.Extend(), Is.EqualTo(60));
        Assert.That(map.ReadOnlySpan.SequenceEqual(ScratchDirectory.Pattern(100, seed: 9).AsSpan(40)), Is.True);
        Assert.That(data.Length, Is.EqualTo(Page + 10));
    }

    [Test]
    public void OpenGrowable_RejectsBadArguments()
    {
        using var scratch = new ScratchDirectory();
        scratch.CreateFile("f", 10);
        Assert.Throws<ArgumentOutOfRangeException>(() => MappedFile.OpenGrowable(scratch.File("f"), 0));
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => MappedFile.OpenGrowable(scratch.File("f"), -1))!.ParamName,
                    Is.EqualTo("capacity"));
        Assert.Throws<ArgumentOutOfRangeException>(() => MappedFile.OpenGrowable(scratch.File("f"), Page, offset: -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => MappedFile.OpenGrowable(scratch.File("f"), long.MaxValue, offset: Page));
        Assert.Throws<FileNotFoundException>(() => MappedFile.OpenGrowable(scratch.File("missing"), Page));
        Assert.That(DescriptorsOf(scratch.File("f")), Is.Zero, "a failed OpenGrowable closes its descriptor");
    }

    [Test]
    public void AMappingWithoutRoom_ExtendsNoFurther_ButReportsTheFilesLength()
    {
        using var scratch = new ScratchDirectory();
        scratch.CreateFile("f", 2 * Page);
        using var file = File.OpenHandle(scratch.File("f"));
        using MappedFile map = MappedFile.Map(file);
        Assert.That(map.Capacity, Is.EqualTo(map.Length));
        Append(scratch.File("f"), new byte[Page]);
        Assert.That(map.GetFileLength(), Is.EqualTo(3 * Page));
        Assert.That(map.Extend(), Is.EqualTo(3 * Page));
        Assert.That(map.Length, Is.EqualTo(2 * Page));
    }

    [Test]
    public void Remap_LeavesTheOldMappingValidUntilItIsDisposed()
    {
        using var scratch = new ScratchDirectory();
        string path = scratch.File("log");
        byte[] data = ScratchDirectory.Pattern(6 * Page, seed: 3);
        File.WriteAllBytes(path, data.AsSpan(0, 2 * Page).ToArray());

        MappedFile old = MappedFile.OpenGrowable(path, 2 * Page);
        ReadOnlySpan<byte> oldSpan = old.ReadOnlySpan;
        ReadOnlyMemory<byte> oldMemory = old.GetReadOnlyMemory(Page, Page);
        nint oldStart = old.Handle.DangerousGetHandle();
        Append(path, data.AsSpan(2 * Page));
        Assert.That(old.Extend(), Is.GreaterThan(old.Capacity));

        using MappedFile grown = old.Remap(8 * Page);
        Assert.That(grown.Offset, Is.EqualTo(old.Offset));
        Assert.That(grown.Access, Is.EqualTo(old.Access));
        Assert.That(grown.Capacity, Is.EqualTo(8 * Page));
        Assert.That(grown.Length, Is.EqualTo(6 * Page));
        Assert.That(grown.ReadOnlySpan.SequenceEqual(data), Is.True);

        // The old mapping, and what was taken from it, is untouched by the Remap.
        Assert.That(oldSpan.SequenceEqual(data.AsSpan(0, 2 * Page)), Is.True);
        Assert.That(oldMemory.Span.SequenceEqual(data.AsSpan(Page, Page)), Is.True);
        Assert.That(old.GetReadOnlySpan(0, 2 * Page).SequenceEqual(data.AsSpan(0, 2 * Page)), Is.True);
        Assert.That(IsMapped(oldStart), Is.True);

        old.Dispose();
        Assert.That(IsMapped(oldStart), Is.False, "Dispose unmaps the old mapping");
        Assert.Throws<ObjectDisposedException>(() => old.GetReadOnlySpan(0, 1));
        Assert.Throws<ObjectDisposedException>(() => _ = oldMemory.Span);
        Assert.Throws<ObjectDisposedException>(() => old.Remap(Page));
        Assert.Throws<ObjectDisposedException>(() => old.Extend());
        Assert.Throws<ObjectDisposedException>(() => old.GetFileLength());

        // The new mapping does not depend on the old one: it still reads, grows and remaps through the shared
        // descriptor.
        Append(path, data.AsSpan(0, Page));
        Assert.That(grown.Extend(), Is.EqualTo(7 * Page));
        Assert.That(grown.GetReadOnlySpan(6 * Page, Page).SequenceEqual(data.AsSpan(0, Page)), Is.True);
        using MappedFile again = grown.Remap(Page);
        Assert.That(again.Length, Is.EqualTo(Page), "a smaller capacity maps a shorter window");
    }

    [Test]
    public void TheDescriptorOfOpenGrowable_IsSharedByRemappedMappings_AndClosedWithTheLastOfThem()
    {
        using var scratch = new ScratchDirectory();
        string path = scratch.File("f");
        scratch.CreateFile("f", 2 * Page);
        MappedFile first = MappedFile.OpenGrowable(path, 2 * Page);
        Assert.That(DescriptorsOf(path), Is.EqualTo(1), "OpenGrowable keeps one descriptor");
        MappedFile second = first.Remap(4 * Page);
        MappedFile third = second.Remap(8 * Page);
        Assert.That(DescriptorsOf(path), Is.EqualTo(1), "remapped mappings share it");

        first.Dispose();
        second.Dispose();
        Assert.That(DescriptorsOf(path), Is.EqualTo(1), "the last mapping keeps it");
        Assert.That(third.GetFileLength(), Is.EqualTo(2 * Page));
        third.Dispose();
        Assert.That(DescriptorsOf(path), Is.Zero, "the last Dispose closes it");
        third.Dispose(); // twice is fine
    }

    [Test]
    public void AMappingOfACallersHandle_NeedsTheHandleOpenToGrow_ButNotToBeRead()
    {
        using var scratch = new ScratchDirectory();
        byte[] data = scratch.CreateFile("f", 2 * Page);
        var file = File.OpenHandle(scratch.File("f"));
        using MappedFile map = MappedFile.Map(file);
        using MappedFile grown = map.Remap(4 * Page);
        Assert.That(map.GetFileLength(), Is.EqualTo(2 * Page));
        Assert.That(DescriptorsOf(scratch.File("f")), Is.EqualTo(1), "no descriptor of its own: the caller's one");

        file.Dispose();
        Assert.Throws<ObjectDisposedException>(() => map.GetFileLength());
        Assert.Throws<ObjectDisposedException>(() => map.Extend());
        Assert.Throws<ObjectDisposedException>(() => map.Remap(Page));
        Assert.Throws<ObjectDisposedException>(() => grown.Extend());
        Assert.That(map.ReadOnlySpan.SequenceEqual(data), Is.True, "the mapping itself stays valid");
        Assert.That(grown.ReadOnlySpan.SequenceEqual(data), Is.True);
    }

    [Test]
    public void MapGrowable_FollowsACallersHandle_WithoutADescriptorOfItsOwn()
    {
        using var scratch = new ScratchDirectory();
        string path = scratch.File("log");
        File.WriteAllBytes(path, []);
        byte[] data = ScratchDirectory.Pattern(3 * Page, seed: 5);
        using (SafeFileHandle file = File.OpenHandle(path))
        {
            using MappedFile map = MappedFile.MapGrowable(file, 2 * Page);
            Assert.That(map.Length, Is.Zero);
            Assert.That(DescriptorsOf(path), Is.EqualTo(1), "only the caller's descriptor");
            Append(path, data);
            Assert.That(map.Extend(), Is.EqualTo(3 * Page));
            Assert.That(map.Length, Is.EqualTo(2 * Page));
            using MappedFile grown = map.Remap(4 * Page);
            Assert.That(grown.ReadOnlySpan.SequenceEqual(data), Is.True);
        }

        Assert.Throws<ArgumentNullException>(() => MappedFile.MapGrowable(null!, Page));
        using (SafeFileHandle file = File.OpenHandle(path))
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => MappedFile.MapGrowable(file, 0));
        }

        SafeFileHandle closed = File.OpenHandle(path);
        closed.Dispose();
        Assert.Throws<ObjectDisposedException>(() => MappedFile.MapGrowable(closed, Page));
        Assert.That(DescriptorsOf(path), Is.Zero);
    }

    [Test]
    public void AnonymousMemory_HasNoFileToFollow()
    {
        using MappedFile map = MappedFile.CreateAnonymous(Page);
        Assert.That(map.Capacity, Is.EqualTo(Page));
        Assert.Throws<NotSupportedException>(() => map.GetFileLength());
        Assert.Throws<NotSupportedException>(() => map.Extend());
        Assert.Throws<NotSupportedException>(() => map.Remap(Page));
    }

    [Test]
    public void AMappingMadeByOpen_KeepsNoDescriptor_SoItCannotFollowTheFile()
    {
        using var scratch = new ScratchDirectory();
        scratch.CreateFile("f", 2 * Page);
        using MappedFile map = MappedFile.Open(scratch.File("f"));
        Assert.That(DescriptorsOf(scratch.File("f")), Is.Zero);
        Assert.That(map.Capacity, Is.EqualTo(2 * Page));
        Assert.Throws<NotSupportedException>(() => map.GetFileLength());
        Assert.Throws<NotSupportedException>(() => map.Extend());
        Assert.Throws<NotSupportedException>(() => map.Remap(4 * Page));
        Assert.That(map.GetReadOnlyMemory(Page, Page).Length, Is.EqualTo(Page));
    }

    [Test]
    public void ASealedMemFd_CanBeRemapped_WhileItsFirstMappingLives()
    {
        using MappedFile map = MappedFile.CreateSealed(Page);
        map.Span.Fill(0x11);
        MemFd.SetLength(map.FileHandle!, 3 * Page);
        Assert.That(map.GetFileLength(), Is.EqualTo(3 * Page));
        using MappedFile grown = map.Remap(3 * Page);
        Assert.That(grown.Length, Is.EqualTo(3 * Page));
        Assert.That(grown.IsShrinkSealed, Is.True);
        Assert.That(grown.ReadOnlySpan[Page - 1], Is.EqualTo(0x11));
        Assert.That(grown.ReadOnlySpan[Page], Is.Zero);
    }

    [Test]
    public void GetMemory_ReachesPastTwoGibibytes_WhereMemoryCannot()
    {
        using var scratch = new ScratchDirectory();
        string path = scratch.File("sparse");
        long size = 3L << 30; // sparse: no block is written but the last page
        using (var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write))
        {
            stream.SetLength(size);
            stream.Position = size - Page;
            stream.Write(ScratchDirectory.Pattern(Page, seed: 7));
        }

        using MappedFile map = MappedFile.Open(path, MappedFileAccess.ReadWrite);
        Assert.Throws<InvalidOperationException>(() => _ = map.Memory);
        Memory<byte> tail = map.GetMemory(size - Page, Page);
        ReadOnlyMemory<byte> tailReadOnly = map.GetReadOnlyMemory(size - Page, Page);
        Assert.That(tail.Span.SequenceEqual(ScratchDirectory.Pattern(Page, seed: 7)), Is.True);
        tail.Span[1] = 0xEE;
        Assert.That(tailReadOnly.Span[1], Is.EqualTo(0xEE));
        using MemoryHandle pin = tail.Slice(1).Pin();
        Assert.That(*(byte*)pin.Pointer, Is.EqualTo(0xEE));
        Assert.That(map.GetReadOnlyMemory((long)int.MaxValue + 1, 8).Span.IndexOfAnyExcept((byte)0), Is.EqualTo(-1));
    }

    [Test]
    public void DisposeRacingGrowth_ThrowsOnlyObjectDisposedException_AndClosesTheDescriptorOnce()
    {
        using var scratch = new ScratchDirectory();
        string path = scratch.File("log");
        scratch.CreateFile("log", Page);
        for (int round = 0; round < 30; round++)
        {
            MappedFile map = MappedFile.OpenGrowable(path, 2 * Page);
            using var started = new ManualResetEventSlim();
            Exception? failure = null;
            var worker = new Thread(() =>
            {
                started.Set();
                try
                {
                    for (int i = 0; i < 1_000_000; i++)
                    {
                        map.Extend();
                        // Pinned, not through a span: a span holds no reference, and touching one after a racing
                        // Dispose would crash, as documented.
                        using (MemoryHandle pin = map.GetReadOnlyMemory(0, (int)map.Length).Pin())
                        {
                            _ = *(byte*)pin.Pointer;
                        }

                        using MappedFile grown = map.Remap(4 * Page);
                        _ = grown.GetFileLength();
                    }
                }
                catch (Exception e)
                {
                    failure = e;
                }
            });
            worker.Start();
            Assert.That(started.Wait(TimeSpan.FromSeconds(30)), Is.True);
            Thread.Sleep(round % 3);
            map.Dispose();
            Assert.That(worker.Join(TimeSpan.FromSeconds(60)), Is.True, "the worker finished");
            Assert.That(failure, Is.TypeOf<ObjectDisposedException>(),
                $"round {round}: the only failure a racing Dispose may cause is ObjectDisposedException");
            Assert.That(DescriptorsOf(path), Is.Zero, $"round {round}: the last Dispose closed the descriptor");
        }
    }

    /// <summary>
    /// The log follower of issue 13: a child process appends 200,000 records, one write each, while this process
    /// follows the file with OpenGrowable, Extend and a geometric Remap, reading every complete record once, in order.
    /// </summary>
    [Test]
    public void AFollowerReadsEveryRecordAnotherProcessAppends_ExactlyOnceAndInOrder()
    {
        const int Records = 200_000;
        const int RecordSize = 9; // "%08d\n"
        const long FirstCapacity = 64 * 1024;
        using var scratch = new ScratchDirectory();
        string path = scratch.File("log");
        File.WriteAllBytes(path, []);

        var info = new ProcessStartInfo("/bin/sh")
        {
            ArgumentList =
            {
                "-c", "i=0; while [ $i -lt \"$2\" ]; do printf '%08d\\n' $i >> \"$1\" || exit 1; i=$((i+1)); done",
                "writer", path, Records.ToString(System.Globalization.CultureInfo.InvariantCulture),
            },
            UseShellExecute = false,
        };
        using Process writer = Process.Start(info)!;
        MappedFile map = MappedFile.OpenGrowable(path, FirstCapacity);
        int mappings = 1;
        int growths = 0; // times Extend found more bytes: a plain Open per growth would map that many times
        long consumed = 0;
        int next = 0;
        var clock = Stopwatch.StartNew();
        try
        {
            while (next < Records)
            {
                Assert.That(clock.Elapsed.TotalSeconds, Is.LessThan(120), $"stalled at record {next}");
                long before = map.Length;
                long available = map.Extend();
                if (available > map.Capacity)
                {
                    MappedFile grown = map.Remap(Math.Max(2 * map.Capacity, available));
                    map.Dispose();
                    map = grown;
                    mappings++;
                }

                if (map.Length > before)
                {
                    growths++;
                }

                int complete = (int)((map.Length - consumed) / RecordSize);
                if (complete == 0)
                {
                    if (writer.HasExited && map.Extend() <= map.Length)
                    {
                        break; // nothing more will come
                    }

                    Thread.Sleep(1);
                    continue;
                }

                ReadOnlySpan<byte> span = map.GetReadOnlySpan(consumed, complete * RecordSize);
                for (int r = 0; r < complete; r++, next++)
                {
                    ReadOnlySpan<byte> record = span.Slice(r * RecordSize, RecordSize);
                    if (record[8] != (byte)'\n' || !int.TryParse(record[..8], out int value) || value != next)
                    {
                        Assert.Fail($"record {next} at byte {consumed + (long)r * RecordSize} reads " +
                                    $"'{System.Text.Encoding.ASCII.GetString(record)}'");
                    }
                }

                consumed += (long)complete * RecordSize;
            }

            Assert.That(writer.WaitForExit(60_000), Is.True);
            Assert.That(writer.ExitCode, Is.Zero);
            Assert.That(next, Is.EqualTo(Records));
            Assert.That(consumed, Is.EqualTo((long)Records * RecordSize));
            Assert.That(map.Extend(), Is.EqualTo((long)Records * RecordSize), "no byte past the last record");
        }
        finally
        {
            map.Dispose();
            if (!writer.HasExited)
            {
                writer.Kill();
                writer.WaitForExit();
            }
        }

        // 1.8 MB from a 64 KiB start, doubling: 64 KiB -> 2 MiB is 5 doublings, so at most 6 mappings.
        Reliability.Report.Figure($"follow: {Records} records, {consumed} bytes, {mappings} mappings " +
                                  $"(first capacity {FirstCapacity}, doubling), {growths} growths seen " +
                                  $"(one fresh mapping each without room to grow), {clock.ElapsedMilliseconds} ms");
        Assert.That(mappings, Is.LessThanOrEqualTo(6));
    }

    /// <summary>How many of this process's descriptors refer to <paramref name="path"/>.</summary>
    private static int DescriptorsOf(string path) =>
        new DirectoryInfo("/proc/self/fd").GetFileSystemInfos()
            .Count(entry => string.Equals(SafeTarget(entry), path, StringComparison.Ordinal));

    private static string? SafeTarget(FileSystemInfo entry)
    {
        try
        {
            return entry.LinkTarget;
        }
        catch (IOException)
        {
            return null; // the directory's own descriptor, gone by now
        }
    }

    private static void Append(string path, ReadOnlySpan<byte> bytes)
    {
        using var stream = new FileStream(path, FileMode.Append, FileAccess.Write);
        stream.Write(bytes);
    }

    private static bool IsMapped(nint start)
    {
        byte vector;
        long result = Zcn.mincore((void*)start, (ulong)Page, &vector);
        Assert.That(result >= 0 || result == -(long)Errno.ENOMEM, Is.True, $"mincore: {result}");
        return result >= 0;
    }
}
