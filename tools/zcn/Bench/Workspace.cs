using System;
using System.Diagnostics;
using System.IO;
using System.Runtime.InteropServices;
using System.Threading;

namespace ZeroCopyNative.Tool.Bench;

/// <summary>
/// The temporary folder that holds the bench's data, removed on every way out: normal return, exception, Ctrl+C
/// (SIGINT), SIGTERM and SIGHUP. A signal kills the running C reference (if any); the bench stops after the current
/// measurement, removes the folder and exits with 128 + the signal number, as a shell reports it.
/// </summary>
internal sealed class Workspace : IDisposable
{
    private readonly PosixSignalRegistration[] _signals;
    private int _removed;
    private Process? _child;
    private int _signal;

    public Workspace(string? parent)
    {
        // A fresh, private folder (0700) under DIR or the temp path; the random name keeps runs apart.
        string root = Path.GetFullPath(parent ?? Path.GetTempPath());
        Directory.CreateDirectory(root);
        while (true)
        {
            string candidate = Path.Combine(root, "zcn-bench-" + Path.GetRandomFileName().Replace(".", "", StringComparison.Ordinal));
            if (!Path.Exists(candidate))
            {
                Directory.CreateDirectory(candidate, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                Root = candidate;
                break;
            }
        }

        _signals =
        [
            PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal),
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal),
            PosixSignalRegistration.Create(PosixSignal.SIGHUP, OnSignal),
        ];
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Remove();
    }

    /// <summary>The folder.</summary>
    public string Root { get; }

    /// <summary>A path inside the folder.</summary>
    public string PathOf(string name) => Path.Combine(Root, name);

    /// <summary>The C reference process now running, so that a signal can stop it too.</summary>
    public Process? Child
    {
        set => Volatile.Write(ref _child, value);
    }

    /// <summary>Set by SIGINT, SIGTERM or SIGHUP: the bench stops after the current measurement.</summary>
    public bool Cancelled => Volatile.Read(ref _signal) != 0;

    /// <summary>The exit code a shell reports for the signal received: 128 + its number.</summary>
    public int ExitCode => Volatile.Read(ref _signal) switch
    {
        (int)PosixSignal.SIGINT => 130,
        (int)PosixSignal.SIGTERM => 143,
        (int)PosixSignal.SIGHUP => 129,
        _ => 1,
    };

    /// <summary>Throws <see cref="OperationCanceledException"/> once a signal has arrived.</summary>
    public void ThrowIfCancelled()
    {
        if (Cancelled)
        {
            throw new OperationCanceledException();
        }
    }

    // The handler runs on its own thread while the main thread may be inside a measurement. It only records the
    // signal and stops the C reference; the main thread unwinds at the next check and removes the folder on its way
    // out, so nothing deletes files under a running measurement. A second signal removes the folder and lets the
    // default action end the process at once.
    private void OnSignal(PosixSignalContext context)
    {
        if (Interlocked.CompareExchange(ref _signal, (int)context.Signal, 0) != 0)
        {
            Remove();
            context.Cancel = false;
            return;
        }

        context.Cancel = true;
        try
        {
            Volatile.Read(ref _child)?.Kill();
        }
        catch (InvalidOperationException)
        {
        }
    }

    private void Remove()
    {
        if (Interlocked.Exchange(ref _removed, 1) != 0)
        {
            return;
        }

        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    public void Dispose()
    {
        Remove();
        foreach (PosixSignalRegistration s in _signals)
        {
            s.Dispose();
        }
    }
}
