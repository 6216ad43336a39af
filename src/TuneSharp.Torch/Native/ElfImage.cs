using System.Buffers.Binary;
using System.Text;

namespace TuneSharp.Torch;

/// <summary>
/// A minimal read-only view of a 64-bit little-endian ELF file (x86-64, aarch64): just the
/// section headers, the dynamic symbol table, symbol versioning and dynamic relocations.
/// Everything else in the file is ignored.
/// </summary>
internal sealed class ElfImage
{
    private const uint ShtRela = 4, ShtDynsym = 11, ShtRel = 9;
    private const uint ShtGnuVerdef = 0x6ffffffd, ShtGnuVerneed = 0x6ffffffe, ShtGnuVersym = 0x6fffffff;

    private readonly byte[] _bytes;
    private readonly Section[] _sections;

    private readonly record struct Section(uint Type, long Offset, long Size, uint Link, uint Info, long EntSize);

    /// <summary>One Elf64_Vernaux entry with the file offset of its vna_flags field.</summary>
    internal readonly record struct NeedEntry(string File, string Version, ushort Flags, ushort Index, int FlagsOffset);

    public ElfImage(byte[] bytes, string nameForErrors)
    {
        _bytes = bytes;
        if (bytes.Length < 64 || bytes[0] != 0x7f || bytes[1] != (byte)'E' || bytes[2] != (byte)'L' || bytes[3] != (byte)'F')
            throw new InvalidDataException($"{nameForErrors} is not an ELF file.");
        if (bytes[4] != 2 || bytes[5] != 1)
            throw new NotSupportedException($"{nameForErrors}: only 64-bit little-endian ELF files are supported.");

        long shoff = I64(0x28);
        int shentsize = U16(0x3A), shnum = U16(0x3C);
        if (shoff <= 0 || shnum == 0)
            throw new InvalidDataException($"{nameForErrors} has no section headers.");
        Check(shoff, (long)shentsize * shnum, nameForErrors);
        _sections = new Section[shnum];
        for (int i = 0; i < shnum; i++)
        {
            int h = checked((int)(shoff + (long)i * shentsize));
            _sections[i] = new Section(U32(h + 4), I64(h + 0x18), I64(h + 0x20), U32(h + 0x28), U32(h + 0x2C), I64(h + 0x38));
            if (_sections[i].Type is ShtGnuVerneed or ShtGnuVerdef or ShtGnuVersym or ShtDynsym or ShtRela or ShtRel)
                Check(_sections[i].Offset, _sections[i].Size, nameForErrors);
        }
    }

    /// <summary>Entries of .gnu.version_r: the versions this file needs from each library.</summary>
    public List<NeedEntry> VersionNeeds()
    {
        var result = new List<NeedEntry>();
        foreach (var s in _sections.Where(s => s.Type == ShtGnuVerneed))
        {
            var strtab = _sections[s.Link];
            long vn = s.Offset;
            for (uint i = 0; i < s.Info; i++) // sh_info holds the number of Elf64_Verneed entries
            {
                int cnt = U16(vn + 2);
                string file = Str(strtab, U32(vn + 4));
                long aux = vn + U32(vn + 8);
                for (int j = 0; j < cnt; j++)
                {
                    result.Add(new NeedEntry(file, Str(strtab, U32(aux + 8)), U16(aux + 4), U16(aux + 6), checked((int)(aux + 4))));
                    aux += U32(aux + 12);
                }
                uint next = U32(vn + 12);
                if (next == 0) break;
                vn += next;
            }
        }
        return result;
    }

    /// <summary>Names in .gnu.version_d (the versions this library provides), without the base entry (its soname).</summary>
    public List<string> VersionDefinitions()
    {
        var result = new List<string>();
        foreach (var s in _sections.Where(s => s.Type == ShtGnuVerdef))
        {
            var strtab = _sections[s.Link];
            long vd = s.Offset;
            for (uint i = 0; i < s.Info; i++)
            {
                bool isBase = (U16(vd + 2) & 0x1) != 0; // VER_FLG_BASE
                if (!isBase && U16(vd + 6) > 0)
                    result.Add(Str(strtab, U32(vd + U32(vd + 12))));
                uint next = U32(vd + 16);
                if (next == 0) break;
                vd += next;
            }
        }
        return result;
    }

    /// <summary>
    /// Names of dynamic symbols whose version index (from .gnu.version) is <paramref name="versionIndex"/>
    /// and which some dynamic relocation refers to: these are the symbols the loader must really bind.
    /// </summary>
    public List<string> RelocatedSymbolsWithVersion(ushort versionIndex)
    {
        int dynIndex = Array.FindIndex(_sections, s => s.Type == ShtDynsym);
        int versymIndex = Array.FindIndex(_sections, s => s.Type == ShtGnuVersym);
        if (dynIndex < 0 || versymIndex < 0) return [];
        var dynsym = _sections[dynIndex];
        var versym = _sections[versymIndex];
        long symCount = dynsym.Size / 24;

        var referenced = new HashSet<long>();
        foreach (var s in _sections.Where(s => (s.Type == ShtRela || s.Type == ShtRel) && s.Link == dynIndex))
        {
            long entSize = s.EntSize > 0 ? s.EntSize : (s.Type == ShtRela ? 24 : 16);
            for (long r = s.Offset; r + entSize <= s.Offset + s.Size; r += entSize)
                referenced.Add((long)((ulong)I64(r + 8) >> 32)); // ELF64_R_SYM(r_info)
        }

        var names = new List<string>();
        foreach (long sym in referenced.Where(i => i > 0 && i < symCount).Order())
        {
            if ((U16(versym.Offset + sym * 2) & 0x7fff) == versionIndex) // bit 15 is the "hidden" flag
                names.Add(Str(_sections[dynsym.Link], U32(dynsym.Offset + sym * 24)));
        }
        return names;
    }

    private void Check(long offset, long size, string name)
    {
        if (offset < 0 || size < 0 || offset + size > _bytes.Length)
            throw new InvalidDataException($"{name}: corrupt section header.");
    }

    private string Str(Section strtab, uint offset)
    {
        int start = checked((int)(strtab.Offset + offset));
        int end = Array.IndexOf(_bytes, (byte)0, start);
        if (end < 0) throw new InvalidDataException("Unterminated string in ELF string table.");
        return Encoding.ASCII.GetString(_bytes, start, end - start);
    }

    private ushort U16(long at) => BinaryPrimitives.ReadUInt16LittleEndian(_bytes.AsSpan(checked((int)at), 2));
    private uint U32(long at) => BinaryPrimitives.ReadUInt32LittleEndian(_bytes.AsSpan(checked((int)at), 4));
    private long I64(long at) => BinaryPrimitives.ReadInt64LittleEndian(_bytes.AsSpan(checked((int)at), 8));
}
