using Microsoft.Extensions.Time.Testing;
using TuneSharp.Reporting.TensorBoard;

namespace TuneSharp.Tests.Reporting.TensorBoard;

public class EventFileTests
{
    [Fact]
    public void MaskedCrc_LengthOfTheFileVersionRecord_MatchesTheBytesEveryTensorFlowEventFileStartsWith()
    {
        // A TensorFlow event file opens with the 24-byte file_version event: length 18 00 .. 00, then a3 7f 4b 22.
        byte[] length = [0x18, 0, 0, 0, 0, 0, 0, 0];
        Assert.Equal(0x224b7fa3u, EventFile.MaskedCrc(length));
    }

    [Fact]
    public void New_WritesTheFileVersionEventFirst()
    {
        using var temp = new TempDirectory();
        var now = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000)).GetUtcNow();
        string path;
        using (var file = new EventFile(temp.Path, now))
            path = file.Path;

        Assert.StartsWith("events.out.tfevents.1800000000.", Path.GetFileName(path));
        var first = Assert.Single(EventFileReader.ReadRecords(path));
        Assert.Equal(1_800_000_000.0, first.Double(EventField.WallTime));
        Assert.Equal("brain.Event:2", first.String(EventField.FileVersion));
        Assert.Equal(24, File.ReadAllBytes(path).Length - 16);
    }

    [Fact]
    public void WriteSummary_Scalars_AreReadBackWithTagStepAndValue()
    {
        using var temp = new TempDirectory();
        var now = DateTimeOffset.FromUnixTimeMilliseconds(1_800_000_000_250);
        string path;
        using (var file = new EventFile(temp.Path, now))
        {
            file.WriteScalars(now, 7, [("ray/tune/loss", 0.25f), ("ray/tune/acc", 0.9f)]);
            file.WriteScalars(now, 8, [(new string('x', 300), 1f)]); // lengths past one varint byte
            path = file.Path;
        }

        var scalar = EventFileReader.ReadRecords(path)[1];
        Assert.Equal(1_800_000_000.25, scalar.Double(EventField.WallTime));
        Assert.Equal(7, scalar.Varint(EventField.Step));
        var values = scalar.Message(EventField.Summary).Messages(1).ToList();
        Assert.Equal(["ray/tune/loss", "ray/tune/acc"], values.Select(v => v.String(1)));
        Assert.Equal([0.25f, 0.9f], values.Select(v => v.Float(2)));
        var longTag = EventFileReader.ReadRecords(path)[2].Message(EventField.Summary).Messages(1).Single();
        Assert.Equal(new string('x', 300), longTag.String(1));
    }
}
