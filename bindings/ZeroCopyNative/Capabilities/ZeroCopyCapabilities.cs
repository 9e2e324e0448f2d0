using System;
using System.Globalization;
using System.IO;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative;

/// <summary>
/// What the running kernel offers for zero-copy I/O: the system calls libzcn probed (zcn_capabilities), the kernel
/// version, the pipe size limit, the transparent huge page policy and the page size. Every value is read once, on
/// first use, and cached for the life of the process.
/// </summary>
/// <remarks>Thread-safe: each value is computed at most a few times under a race and every result is the
/// same.</remarks>
public static class ZeroCopyCapabilities
{
    private const string OsReleasePath = "/proc/sys/kernel/osrelease";
    private const string PipeMaxSizePath = "/proc/sys/fs/pipe-max-size";
    private const string ThpPath = "/sys/kernel/mm/transparent_hugepage/enabled";

    private static string? s_kernelRelease;
    private static Version? s_kernelVersion;
    private static int s_pipeMaxSize = -1;
    private static int s_flags = -1;
    private static int s_thp = -1;

    /// <summary>The version of the loaded libzcn (zcn_version), which comes from the same VERSION file as this
    /// assembly's version and the NuGet package's.</summary>
    public static Version LibraryVersion
    {
        get
        {
            int packed = Zcn.version();
            return new Version(packed >> 16, (packed >> 8) & 0xff, packed & 0xff);
        }
    }

    /// <summary>The kernel release string ("6.18.44-fc-v595"), from /proc/sys/kernel/osrelease, or from
    /// <see cref="Environment.OSVersion"/> when that cannot be read.</summary>
    public static string KernelRelease => s_kernelRelease ??= ReadKernelRelease();

    /// <summary>The kernel version (major.minor.patch) parsed from <see cref="KernelRelease"/>; 0.0.0 when it does not
    /// parse.</summary>
    public static Version KernelVersion => s_kernelVersion ??= ParseKernelVersion(KernelRelease);

    /// <summary>The largest capacity an unprivileged process may give a pipe with F_SETPIPE_SZ
    /// (/proc/sys/fs/pipe-max-size); 1 MiB, the kernel default, when the file cannot be read.</summary>
    public static int PipeMaxSize
    {
        get
        {
            if (s_pipeMaxSize < 0)
            {
                s_pipeMaxSize = ReadInt(PipeMaxSizePath) ?? 1024 * 1024;
            }

            return s_pipeMaxSize;
        }
    }

    /// <summary>Every feature zcn_capabilities found (it probes each system call once); the properties below read
    /// one feature each.</summary>
    public static ZeroCopyFeatures Features
    {
        get
        {
            if (s_flags < 0)
            {
                s_flags = Zcn.capabilities();
            }

            // ZeroCopyFeatures takes its values from the header's zcn_capability bits, so the mask converts as is.
            return (ZeroCopyFeatures)s_flags;
        }
    }

    /// <summary>copy_file_range(2) is implemented.</summary>
    public static bool CopyFileRange => Has(ZeroCopyFeatures.CopyFileRange);

    /// <summary>splice(2) is implemented.</summary>
    public static bool Splice => Has(ZeroCopyFeatures.Splice);

    /// <summary>vmsplice(2) is implemented.</summary>
    public static bool VmSplice => Has(ZeroCopyFeatures.VmSplice);

    /// <summary>tee(2) is implemented.</summary>
    public static bool Tee => Has(ZeroCopyFeatures.Tee);

    /// <summary>memfd_create(2) is implemented.</summary>
    public static bool MemFd => Has(ZeroCopyFeatures.MemFd);

    /// <summary>statx(2) reports STATX_DIOALIGN (Linux 6.1), so <see cref="DirectFile.Alignment"/> is exact.</summary>
    public static bool DioAlign => Has(ZeroCopyFeatures.DirectIOAlignment);

    /// <summary>io_uring_setup(2) is implemented and not disabled (kernel.io_uring_disabled).</summary>
    public static bool IoUring => Has(ZeroCopyFeatures.IoUring);

    /// <summary>The transparent huge page policy: the bracketed choice in
    /// /sys/kernel/mm/transparent_hugepage/enabled ("always [madvise] never" is Madvise).</summary>
    public static TransparentHugePageMode TransparentHugePages
    {
        get
        {
            if (s_thp < 0)
            {
                s_thp = (int)ParseThp(ReadText(ThpPath));
            }

            return (TransparentHugePageMode)s_thp;
        }
    }

    /// <summary>The page size in bytes (sysconf(_SC_PAGESIZE) through zcn_page_size).</summary>
    public static int PageSize => (int)PageMath.PageSize;

    /// <summary>Parses the version at the start of a kernel release string: "6.18.44-fc-v595" is 6.18.44.</summary>
    internal static Version ParseKernelVersion(string release)
    {
        int[] parts = new int[3];
        int part = 0;
        bool any = false;
        foreach (char c in release)
        {
            if (c >= '0' && c <= '9')
            {
                parts[part] = checked(parts[part] * 10 + (c - '0'));
                any = true;
            }
            else if (c == '.' && any && part < 2)
            {
                part++;
                any = false;
            }
            else
            {
                break;
            }
        }

        return new Version(parts[0], parts[1], parts[2]);
    }

    /// <summary>Finds the bracketed choice in a sysfs policy line.</summary>
    internal static TransparentHugePageMode ParseThp(string? text)
    {
        if (text is null)
        {
            return TransparentHugePageMode.Unavailable;
        }

        int open = text.IndexOf('[');
        int close = open < 0 ? -1 : text.IndexOf(']', open + 1);
        return close < 0
            ? TransparentHugePageMode.Unavailable
            : text.Substring(open + 1, close - open - 1) switch
            {
                "always" => TransparentHugePageMode.Always,
                "madvise" => TransparentHugePageMode.Madvise,
                "never" => TransparentHugePageMode.Never,
                _ => TransparentHugePageMode.Unavailable,
            };
    }

    private static bool Has(ZeroCopyFeatures feature) => (Features & feature) != 0;

    private static string ReadKernelRelease()
    {
        string? text = ReadText(OsReleasePath)?.Trim();
        if (!string.IsNullOrEmpty(text))
        {
            return text;
        }

        Version v = Environment.OSVersion.Version;
        return string.Create(CultureInfo.InvariantCulture, $"{v.Major}.{v.Minor}.{Math.Max(0, v.Build)}");
    }

    private static int? ReadInt(string path) =>
        int.TryParse(ReadText(path)?.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int value)
            ? value
            : null;

    private static string? ReadText(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
