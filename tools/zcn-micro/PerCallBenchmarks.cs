using System;
using System.IO;
using BenchmarkDotNet.Attributes;
using Microsoft.Win32.SafeHandles;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative.Micro;

/// <summary>
/// One operation each, on the descriptors zcn-bench-percall uses: the first <see cref="Block"/> bytes of a warm file
/// (always from offset 0, so every call reads the page cache) to /dev/null, directly (sendfile(2)) or through a pipe
/// (two splice(2) calls). The generated binding is the raw form; the safe forms add argument checks, the handles'
/// reference counts and the loops. Subtracting zcn-bench-percall's figure for the same operation gives the cost per
/// call over C.
/// </summary>
[MemoryDiagnoser]
public unsafe class PerCallBenchmarks
{
    private const SpliceOptions MoveMore = SpliceOptions.Move | SpliceOptions.More;

    private SafeFileHandle _file = null!;
    private SafeFileHandle _null = null!;
    private Pipe _pipe = null!;
    private int[] _rawPipe = null!;
    private int _fileFd;
    private int _nullFd;

    /// <summary>The bytes each call moves.</summary>
    [Params(4096, 16384)]
    public int Block { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _file = File.OpenHandle(Program.DataFile, FileMode.Open, FileAccess.Read);
        _null = File.OpenHandle("/dev/null", FileMode.Open, FileAccess.Write);
        _pipe = Pipe.Create();
        _fileFd = (int)_file.DangerousGetHandle();
        _nullFd = (int)_null.DangerousGetHandle();
        _rawPipe = new int[2];
        fixed (int* fds = _rawPipe)
        {
            NativeResultCheck(Zcn.pipe(fds, 0), "pipe2");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        Zcn.close(_rawPipe[0]);
        Zcn.close(_rawPipe[1]);
        _pipe.Dispose();
        _null.Dispose();
        _file.Dispose();
    }

    /// <summary>Zcn.sendfile: the generated binding, one call.</summary>
    [Benchmark(Baseline = true)]
    public long BindingSendFile()
    {
        long offset = 0;
        return Zcn.sendfile(_nullFd, _fileFd, &offset, (ulong)Block);
    }

    /// <summary>ZeroCopy.TrySendFile: the safe single call.</summary>
    [Benchmark]
    public long SafeTrySendFile()
    {
        ZeroCopy.TrySendFile(_file, 0, _null, Block, out long sent);
        return sent;
    }

    /// <summary>ZeroCopy.SendFile: the safe looping call (one sendfile(2) when the kernel moves all).</summary>
    [Benchmark]
    public long SafeSendFile() => ZeroCopy.SendFile(_file, 0, _null, Block);

    /// <summary>Zcn.splice twice: file into the pipe, the pipe into /dev/null.</summary>
    [Benchmark]
    public long BindingSplicePair()
    {
        long offset = 0;
        long n = Zcn.splice(_fileFd, &offset, _rawPipe[1], null, (ulong)Block, (uint)(SpliceFlags.MOVE | SpliceFlags.MORE));
        return Zcn.splice(_rawPipe[0], null, _nullFd, null, (ulong)n, (uint)(SpliceFlags.MOVE | SpliceFlags.MORE));
    }

    /// <summary>Pipe.SpliceFrom then Pipe.SpliceTo: the safe pair.</summary>
    [Benchmark]
    public long PipeSplicePair()
    {
        long n = _pipe.SpliceFrom(_file, 0, Block, MoveMore);
        return _pipe.SpliceTo(_null, null, n, MoveMore);
    }

    private static void NativeResultCheck(long result, string operation)
    {
        if (result < 0)
        {
            throw new IOException($"{operation} failed: {(Errno)(-result)}");
        }
    }
}
