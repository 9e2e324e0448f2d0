using System.Text;

namespace ZeroCopyNative.BindingsGenerator;

/// <summary>The drift check: regenerate into a temporary folder and compare it with the committed files. Used by the
/// bindings-drift test (the generator's --check) and by the generator's own tests.</summary>
internal static class Drift
{
    /// <summary>Compares the generator-owned files of two trees; returns a unified diff, empty when they match.</summary>
    public static string Compare(string committedRoot, string regeneratedRoot, GeneratorOptions options)
    {
        var committed = Generator.OwnedFiles(committedRoot, options).ToHashSet(StringComparer.Ordinal);
        var regenerated = Generator.OwnedFiles(regeneratedRoot, options).ToHashSet(StringComparer.Ordinal);
        var report = new StringBuilder();
        foreach (string file in committed.Union(regenerated).OrderBy(f => f, StringComparer.Ordinal))
        {
            string[] a = committed.Contains(file) ? ReadLines(Path.Combine(committedRoot, file)) : Array.Empty<string>();
            string[] b = regenerated.Contains(file) ? ReadLines(Path.Combine(regeneratedRoot, file)) : Array.Empty<string>();
            if (committed.Contains(file) && regenerated.Contains(file) && a.SequenceEqual(b, StringComparer.Ordinal) &&
                File.ReadAllText(Path.Combine(committedRoot, file)) == File.ReadAllText(Path.Combine(regeneratedRoot, file)))
            {
                continue;
            }

            report.Append($"--- committed/{file}{(committed.Contains(file) ? "" : " (missing)")}\n");
            report.Append($"+++ regenerated/{file}{(regenerated.Contains(file) ? "" : " (not generated)")}\n");
            string diff = UnifiedDiff(a, b);
            report.Append(diff.Length > 0 ? diff : "@@ line endings or the final newline differ @@\n");
        }

        return report.ToString();
    }

    private static string[] ReadLines(string path) => File.ReadAllText(path).Replace("\r\n", "\n").Split('\n');

    /// <summary>A unified diff with three lines of context (LCS over lines; the files are small).</summary>
    public static string UnifiedDiff(IReadOnlyList<string> a, IReadOnlyList<string> b)
    {
        int n = a.Count, m = b.Count;
        var lcs = new int[n + 1, m + 1];
        for (int i = n - 1; i >= 0; i--)
        {
            for (int j = m - 1; j >= 0; j--)
            {
                lcs[i, j] = a[i] == b[j] ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);
            }
        }

        // The edit script: (' ', line) kept, ('-', line) only in a, ('+', line) only in b, with positions.
        var ops = new List<(char Op, string Line, int A, int B)>();
        {
            int i = 0, j = 0;
            while (i < n || j < m)
            {
                if (i < n && j < m && a[i] == b[j])
                {
                    ops.Add((' ', a[i], i++, j++));
                }
                else if (i < n && (j == m || lcs[i + 1, j] >= lcs[i, j + 1]))
                {
                    ops.Add(('-', a[i], i++, j));
                }
                else
                {
                    ops.Add(('+', b[j], i, j++));
                }
            }
        }

        const int context = 3;
        var sb = new StringBuilder();
        int k = 0;
        while (k < ops.Count)
        {
            if (ops[k].Op == ' ')
            {
                k++;
                continue;
            }

            int start = Math.Max(0, k - context);
            int end = k;
            // Extend the hunk while changes are closer than 2 * context lines apart.
            while (true)
            {
                while (end < ops.Count && ops[end].Op != ' ')
                {
                    end++;
                }

                int next = end;
                while (next < ops.Count && ops[next].Op == ' ' && next - end < 2 * context)
                {
                    next++;
                }

                if (next < ops.Count && ops[next].Op != ' ')
                {
                    end = next;
                    continue;
                }

                end = Math.Min(ops.Count, end + context);
                break;
            }

            int aStart = ops[start].A, bStart = ops[start].B;
            int aCount = ops.Skip(start).Take(end - start).Count(o => o.Op != '+');
            int bCount = ops.Skip(start).Take(end - start).Count(o => o.Op != '-');
            sb.Append($"@@ -{aStart + 1},{aCount} +{bStart + 1},{bCount} @@\n");
            for (int x = start; x < end; x++)
            {
                sb.Append(ops[x].Op).Append(ops[x].Line).Append('\n');
            }

            k = end;
        }

        return sb.ToString();
    }
}
