namespace TuneSharp.Reporting.TensorBoard;

/// <summary>
/// The hparams plugin's <c>Summary</c> messages: its experiment and session records (<c>summary.proto</c>,
/// <c>tensorboard/plugins/hparams/api.proto</c> and <c>plugin_data.proto</c>). Scalars: <see cref="EventFile.WriteScalars"/>.
/// </summary>
internal static class Summaries
{
    // Summary.value = 1; Summary.Value: tag = 1, metadata = 9.
    private const int SummaryValue = 1, ValueTag = 1, ValueMetadata = 9;

    /// <summary>The hparams plugin's three records for one trial, as tensorboardX's <c>hparams()</c> writes them into a
    /// run: the experiment (which hyperparameters and metric tags there are), the session's start (its values) and
    /// its end (its status).</summary>
    public static IEnumerable<ProtoMessage> HParams(IReadOnlyList<KeyValuePair<string, object?>> hyperparameters,
        IEnumerable<string> metricTags, HParamStatus? end)
    {
        var experiment = new ProtoMessage();
        var start = new ProtoMessage();
        foreach (var (name, value) in hyperparameters)
        {
            if (ProtoValue(value) is not var (protoValue, type))
                continue;
            experiment.Message(4, new ProtoMessage().String(1, name).Varint(4, (int)type));      // Experiment.hparam_infos: name, type
            start.Message(1, new ProtoMessage().String(1, name).Message(2, protoValue));        // SessionStartInfo.hparams map entry
        }
        foreach (string tag in metricTags)
            experiment.Message(5, new ProtoMessage().Message(1, new ProtoMessage().String(2, tag))); // metric_infos: name.tag

        // HParamsPluginData: version = 1 (0), then experiment = 2, session_start_info = 3 or session_end_info = 4.
        yield return PluginSummary("_hparams_/experiment", new ProtoMessage().Varint(1, 0).Message(2, experiment));
        yield return PluginSummary("_hparams_/session_start_info", new ProtoMessage().Varint(1, 0).Message(3, start));
        if (end is { } status)
            yield return PluginSummary("_hparams_/session_end_info",
                new ProtoMessage().Varint(1, 0).Message(4, new ProtoMessage().Varint(1, (int)status)));
    }

    /// <summary>A <c>google.protobuf.Value</c> (number_value = 2, string_value = 3, bool_value = 4) and the hparams
    /// data type; null for values the plugin cannot show (lists, nested objects, null).</summary>
    private static (ProtoMessage, HParamType)? ProtoValue(object? value) => value switch
    {
        bool b => (new ProtoMessage().Varint(4, b ? 1 : 0), HParamType.Bool),
        string s => (new ProtoMessage().String(3, s), HParamType.String),
        _ when JsonValues.TryGetDouble(value, out double d) => (new ProtoMessage().Double(2, d), HParamType.Float64),
        _ => null,
    };

    private static ProtoMessage PluginSummary(string tag, ProtoMessage pluginData)
    {
        // SummaryMetadata.plugin_data = 1: PluginData { plugin_name = 1, content = 2 }.
        var metadata = new ProtoMessage().Message(1, new ProtoMessage().String(1, "hparams").Bytes(2, pluginData.ToArray()));
        // Metadata and no value, as tensorboardX writes it (what Ray Tune's logger calls): the plugin reads the metadata.
        var value = new ProtoMessage().String(ValueTag, tag).Message(ValueMetadata, metadata);
        return new ProtoMessage().Message(SummaryValue, value);
    }
}

/// <summary>The hparams plugin's <c>DataType</c>.</summary>
internal enum HParamType { String = 1, Bool = 2, Float64 = 3 }

/// <summary>The hparams plugin's session <c>Status</c>.</summary>
internal enum HParamStatus { Success = 1, Failure = 2, Running = 3 }
