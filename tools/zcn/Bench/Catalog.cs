using System;
using System.Collections.Generic;

namespace ZeroCopyNative.Tool.Bench;

/// <summary>Which side implements a result: our managed API, the C reference, or a .NET built-in.</summary>
internal enum Impl
{
    Managed,
    C,
    Bcl,
}

/// <summary>
/// The copies a method makes per block, as the zero-copy literature counts them for "a file sent to a device":
/// DMA copies (disk → page cache, kernel buffer → device) and CPU copies (between kernel and user memory or between
/// kernel buffers). A model, not a measurement: it is what the method is designed to cost, and the table shows it next
/// to what the method measured. For /dev/null and loopback TCP the device-side DMA does not happen, which is one reason
/// the measured gaps differ from the model.
/// </summary>
internal readonly record struct Copies(int Dma, int Cpu)
{
    public int Total => Dma + Cpu;

    public override string ToString() => $"{Total} ({Dma} DMA + {Cpu} CPU)";
}

/// <summary>One method of a scenario.</summary>
internal sealed record Method(string Name, bool Bcl, Copies Copies, string What);

/// <summary>One scenario: its methods, its baseline, and what it measures.</summary>
internal sealed record Scenario(string Name, string Baseline, string What, Method[] Methods)
{
    /// <summary>Run only when --only names it: a scenario that would make the default run much longer.</summary>
    public bool OptIn { get; init; }

    /// <summary>Whether zcn-bench-c has the scenario, so that its non-bcl methods get a C row.</summary>
    public bool HasC { get; init; } = true;

    /// <summary>The name --only also accepts for this scenario and its siblings (zerocopy-send for both message
    /// sizes), or null.</summary>
    public string? Family { get; init; }
}

/// <summary>
/// The scenarios and methods of zcn bench (the names are part of the JSON contract), with the copies table:
/// <code>
///  read + write (file → device)      4 = 2 DMA + 2 CPU  (disk→cache, cache→user, user→kernel buffer, buffer→device)
///  mmap + write                      3 = 2 DMA + 1 CPU  (the user copy is gone: the mapping is the page cache)
///  sendfile / splice (file → device) 2 = 2 DMA + 0 CPU  (pages go by reference; scatter-gather DMA to the device)
///  copy_file_range (file → file)     2 = 2 DMA + 0 CPU  (in-kernel; ext4 still copies pages, a reflink fs shares them)
///  memory → pipe write + read        2 = 0 DMA + 2 CPU  (user→pipe, pipe→user)
///  vmsplice + read                   1 = 0 DMA + 1 CPU  (the pipe references user pages; the reader copies once)
///  vmsplice + splice to a sink       0                  (pages referenced all the way; to a file, 1 CPU copy into the cache)
///  scan by read                      2 = 1 DMA + 1 CPU  (disk→cache, cache→user buffer)
///  scan by mmap                      1 = 1 DMA + 0 CPU  (user code reads the page cache in place)
///  cold read, buffered               2 = 1 DMA + 1 CPU
///  cold read, O_DIRECT               1 = 1 DMA + 0 CPU  (the device writes straight into the user buffer)
///  memory → socket, send(2)          2 = 1 DMA + 1 CPU  (user→socket buffer, buffer→device)
///  memory → socket, MSG_ZEROCOPY     1 = 1 DMA + 0 CPU  (the device reads the pinned user pages)
/// </code>
/// The .NET built-ins are counted by what they do underneath on Linux (FileStream.CopyTo is read + write; Socket.SendFile
/// and File.Copy use sendfile and copy_file_range).
/// </summary>
internal static class Catalog
{
    private static readonly Copies ReadWrite = new(2, 2);
    private static readonly Copies MmapWrite = new(2, 1);
    private static readonly Copies InKernel = new(2, 0);
    private static readonly Copies PipeReadWrite = new(0, 2);
    private static readonly Copies VmspliceRead = new(0, 1);
    private static readonly Copies VmspliceSplice = new(0, 0);
    private static readonly Copies ScanRead = new(1, 1);
    private static readonly Copies ScanMap = new(1, 0);

    public static readonly Scenario[] Scenarios =
    [
        new("file-to-null", "readwrite", "a warm file to /dev/null",
        [
            new("readwrite", false, ReadWrite, "read(2) + write(2), 128 KiB blocks"),
            new("sendfile", false, InKernel, "sendfile(2) file → /dev/null"),
            new("splice", false, InKernel, "splice(2) file → pipe → /dev/null"),
            new("mmap", false, MmapWrite, "mmap(2) + write(2) of the mapping"),
            new("bcl-copyto", true, ReadWrite, "FileStream.CopyTo(FileStream)"),
        ]),
        new("file-to-tcp", "readwrite", "a warm file to loopback TCP, a receiver thread draining",
        [
            new("readwrite", false, ReadWrite, "read(2) + write(2) to the socket"),
            new("sendfile", false, InKernel, "sendfile(2) file → socket"),
            new("splice", false, InKernel, "splice(2) file → pipe → socket"),
            new("bcl-sendfile", true, InKernel, "Socket.SendFile(path)"),
            new("bcl-copyto", true, ReadWrite, "FileStream.CopyTo(NetworkStream)"),
        ]),
        .. ZeroCopySend.Scenarios,
        new("memory-to-pipe", "readwrite", "one memory block into a 1 MiB pipe, a consumer thread draining",
        [
            new("readwrite", false, PipeReadWrite, "write(2) into the pipe, read(2) out"),
            new("vmsplice-read", false, VmspliceRead, "a ring of leases: vmsplice(2) in, read(2) out"),
            new("vmsplice-null", false, VmspliceSplice, "a ring of leases: vmsplice(2) in, splice(2) out to /dev/null"),
            new("vmsplice-file", false, VmspliceRead, "a ring of leases: vmsplice(2) in, splice(2) out to a new file"),
            new("vmsplice-tcp", false, VmspliceSplice, "2 MiB leases given away: vmsplice(2) in, splice(2) to loopback TCP"),
            new("vmsplice-unsafe-null", false, VmspliceSplice, "VmSpliceUnsafe from a ring of reused buffers, splice(2) to /dev/null"),
            new("bcl-anonpipe", true, PipeReadWrite, "AnonymousPipeServerStream → AnonymousPipeClientStream"),
        ]),
        new("file-to-file", "readwrite", "a warm file copied to a new file on the same filesystem",
        [
            new("readwrite", false, ReadWrite, "read(2) + write(2), 128 KiB blocks"),
            new("copy_file_range", false, InKernel, "copy_file_range(2)"),
            new("sendfile", false, InKernel, "sendfile(2) file → file"),
            new("auto", false, InKernel, "Transfer: copy_file_range → sendfile → splice → read/write"),
            new("bcl-filecopy", true, InKernel, "File.Copy"),
            new("bcl-copyto", true, ReadWrite, "FileStream.CopyTo(FileStream)"),
        ]),
        new("scan", "read", "touch every byte of a warm file (xor of 64-bit words)",
        [
            new("read", false, ScanRead, "read(2) into a 128 KiB buffer"),
            new("bcl-randomaccess", true, ScanRead, "RandomAccess.Read into a 128 KiB buffer"),
            new("mmap", false, ScanMap, "mmap(2) + MADV_SEQUENTIAL, read as a Span"),
            new("mmap-populate", false, ScanMap, "mmap(2) with MAP_POPULATE, read as a Span"),
            new("bcl-mmf-accessor", true, ScanMap, "MemoryMappedViewAccessor.ReadInt64"),
        ]),
        new("cold-read", "buffered", "read a file whose pages were dropped (fadvise DONTNEED), 1 MiB requests",
        [
            new("buffered", false, ScanRead, "pread(2) through the page cache"),
            new("odirect", false, ScanMap, "pread(2) with O_DIRECT into a huge-page buffer, one request in flight"),
            new("odirect-4threads", false, ScanMap, "the same from 4 threads, 4 requests in flight"),
        ]),
        // One call per 4 KiB or 16 KiB block, where the binding's and the safe layer's cost per call shows.
        new("small-blocks", "sendfile-4k", "a warm file to /dev/null, one call (or splice pair) per small block",
        [
            new("sendfile-4k", false, InKernel, "ZeroCopy.SendFile per 4 KiB block → /dev/null"),
            new("sendfile-16k", false, InKernel, "ZeroCopy.SendFile per 16 KiB block → /dev/null"),
            new("splice-4k", false, InKernel, "Pipe.SpliceFrom + SpliceTo per 4 KiB block → /dev/null"),
            new("splice-16k", false, InKernel, "Pipe.SpliceFrom + SpliceTo per 16 KiB block → /dev/null"),
        ]),
        // 1.6 GiB per run: writing the file and 3 x 6 runs take about 20 s, which would make the default run half as
        // long again, so it runs only when --only names it. No C twin: the C reference has no event loop or thread
        // pool to compare with.
        new("many-sockets", "pool", "200 loopback TCP connections, each sent its own 8 MiB range of one warm file",
        [
            new("pool", false, InKernel, "16 threads, each a blocking ZeroCopy.SendFile per connection from a shared queue"),
            new("sendfile-async", false, InKernel, "ZeroCopy.SendFileAsync on all 200 connections at once"),
            new("bcl-readsend-async", true, ReadWrite, "RandomAccess.ReadAsync + Socket.SendAsync on all 200 at once"),
        ]) { OptIn = true, HasC = false },
    ];

    /// <summary>The scenarios and their methods, for the help text: a line or more each, opt-in ones marked.</summary>
    public static string MethodList { get; } = DescribeMethods();

    private static string DescribeMethods()
    {
        var sb = new System.Text.StringBuilder();
        foreach (Scenario s in Scenarios)
        {
            const int Indent = 21, Width = 112;
            string names = string.Join(' ', Array.ConvertAll(s.Methods, m => m.Name)) + (s.OptIn ? " (only with --only)" : "");
            string line = "  " + s.Name.PadRight(Indent - 3) + " ";
            if (line.Length > Indent)
            {
                sb.Append(line.TrimEnd()).Append('\n');
                line = new string(' ', Indent);
            }

            foreach (string word in names.Split(' '))
            {
                if (line.Length + word.Length > Width && line.Length > Indent)
                {
                    sb.Append(line.TrimEnd()).Append('\n');
                    line = new string(' ', Indent);
                }

                line += word + " ";
            }

            sb.Append(line.TrimEnd()).Append('\n');
        }

        return sb.ToString();
    }

    public static Scenario? Find(string name) => Array.Find(Scenarios, s => s.Name == name);

    /// <summary>Parses --only: scenario names, family names (<see cref="Scenario.Family"/>) and "scenario/method" or
    /// "family/method" pairs, comma-separated.
    /// Without it, every scenario but the opt-in ones.</summary>
    public static Func<Scenario, Method, bool> ParseOnly(string? only)
    {
        if (string.IsNullOrWhiteSpace(only))
        {
            return (s, _) => !s.OptIn;
        }

        var wanted = new List<(string Scenario, string? Method)>();
        foreach (string item in only.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int slash = item.IndexOf('/');
            string name = slash < 0 ? item : item[..slash];
            string? method = slash < 0 ? null : item[(slash + 1)..];
            Scenario[] named = Find(name) is { } exact ? [exact] : Array.FindAll(Scenarios, s => s.Family == name);
            if (named.Length == 0)
            {
                throw new Cli.UsageException(
                    $"--only: unknown scenario '{name}' (known: {string.Join(", ", Array.ConvertAll(Scenarios, x => x.Name))})");
            }

            foreach (Scenario s in named)
            {
                if (method != null && Array.Find(s.Methods, m => m.Name == method) == null)
                {
                    throw new Cli.UsageException(
                        $"--only: scenario '{s.Name}' has no method '{method}' (it has: {string.Join(", ", Array.ConvertAll(s.Methods, m => m.Name))})");
                }

                wanted.Add((s.Name, method));
            }
        }

        return (s, m) => wanted.Exists(w => w.Scenario == s.Name && (w.Method == null || w.Method == m.Name));
    }
}
