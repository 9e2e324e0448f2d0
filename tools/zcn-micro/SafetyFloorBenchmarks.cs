using System;
using System.IO;
using System.Threading;
using BenchmarkDotNet.Attributes;
using Microsoft.Win32.SafeHandles;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative.Micro;

/// <summary>
/// What the safety of a call costs by itself, as the parts of a safe call's price that no binding can remove: one
/// handle's reference count held for a call (DangerousAddRef, then DangerousRelease), the pipe's write gate (a
/// lock), and an interlocked add (the pipe's count of bytes consumed). For scale, one write(2) of 4 KiB to /dev/null
/// through the generated binding and through the runtime's own safe call, <see cref="RandomAccess.Write(SafeFileHandle, ReadOnlySpan{byte}, long)"/>,
/// which holds the same reference count on its one handle.
/// </summary>
public unsafe class SafetyFloorBenchmarks
{
    private const int Block = 4096;

    private readonly object _gate = new();
    private SafeFileHandle _null = null!;
    private int _nullFd;
    private byte[] _block = null!;
    private long _counter;

    [GlobalSetup]
    public void Setup()
    {
        _null = File.OpenHandle("/dev/null", FileMode.Open, FileAccess.Write);
        _nullFd = (int)_null.DangerousGetHandle();
        _block = new byte[Block];
    }

    [GlobalCleanup]
    public void Cleanup() => _null.Dispose();

    /// <summary>DangerousAddRef then DangerousRelease on one handle: what every handle of a safe call pays.</summary>
    [Benchmark]
    public void HandleReferenceCount()
    {
        bool added = false;
        _null.DangerousAddRef(ref added);
        _null.DangerousRelease();
    }

    /// <summary>An empty lock section, as the pipe's write gate takes around every write into the pipe.</summary>
    [Benchmark]
    public void WriteGate()
    {
        lock (_gate)
        {
            _counter++;
        }
    }

    /// <summary>One interlocked add, as the pipe counts the bytes its reads consume.</summary>
    [Benchmark]
    public long InterlockedAdd() => Interlocked.Add(ref _counter, Block);

    /// <summary>Zcn.pwrite of 4 KiB to /dev/null: the generated binding, no reference count.</summary>
    [Benchmark(Baseline = true)]
    public long BindingWriteNull()
    {
        fixed (byte* data = _block)
        {
            return Zcn.pwrite(_nullFd, data, Block, 0);
        }
    }

    /// <summary>RandomAccess.Write of 4 KiB to /dev/null: the runtime's safe call on one handle.</summary>
    [Benchmark]
    public void RuntimeWriteNull() => RandomAccess.Write(_null, _block, 0);
}
