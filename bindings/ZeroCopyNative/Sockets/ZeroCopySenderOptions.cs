using System;

namespace ZeroCopyNative;

/// <summary>How a <see cref="ZeroCopySender"/> sends: its mode, the size below which a send is plain, how soon it
/// tries zero-copy again after the kernel reported a copy, and how long disposing it waits for completions.</summary>
/// <remarks>A plain settings object: the sender reads it once, in its constructor.</remarks>
public sealed class ZeroCopySenderOptions
{
    /// <summary>The default <see cref="Threshold"/>: 10 KiB. Below about that size, pinning the pages and reading the
    /// completion cost more than the copy they save (the kernel's msg_zerocopy documentation says the same).</summary>
    public const int DefaultThreshold = 10 * 1024;

    /// <summary>The default <see cref="ProbeInterval"/>: 1024 sends.</summary>
    public const int DefaultProbeInterval = 1024;

    /// <summary>The default <see cref="DisposeTimeout"/>: 10 seconds.</summary>
    public static readonly TimeSpan DefaultDisposeTimeout = TimeSpan.FromSeconds(10);

    /// <summary><see cref="ZeroCopySendMode.Adaptive"/> (the default) or <see cref="ZeroCopySendMode.Forced"/>.</summary>
    public ZeroCopySendMode Mode { get; set; } = ZeroCopySendMode.Adaptive;

    /// <summary>In <see cref="ZeroCopySendMode.Adaptive"/> mode, sends shorter than this many bytes are plain
    /// (copying) sends; 0 makes every send a candidate. Ignored in <see cref="ZeroCopySendMode.Forced"/> mode. Default
    /// <see cref="DefaultThreshold"/>.</summary>
    public int Threshold { get; set; } = DefaultThreshold;

    /// <summary>In <see cref="ZeroCopySendMode.Adaptive"/> mode, after a completion reported that the kernel copied,
    /// how many sends of at least <see cref="Threshold"/> bytes go plain before one zero-copy send probes the path
    /// again; at least 1. Default <see cref="DefaultProbeInterval"/>.</summary>
    public int ProbeInterval { get; set; } = DefaultProbeInterval;

    /// <summary>How long <see cref="ZeroCopySender.DisposeAsync"/> and <see cref="ZeroCopySender.Dispose"/> wait for the
    /// completions of sends still outstanding; <see cref="System.Threading.Timeout.InfiniteTimeSpan"/> waits as long as
    /// it takes. Default <see cref="DefaultDisposeTimeout"/>. Completions that arrive later still release their
    /// buffers (see <see cref="ZeroCopySender.DisposeAsync"/>).</summary>
    public TimeSpan DisposeTimeout { get; set; } = DefaultDisposeTimeout;
}
