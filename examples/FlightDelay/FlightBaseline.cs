using System.Text.Json;
using System.Text.Json.Serialization;
using TuneSharp.LightGbm.Data;

namespace TuneSharp.Examples;

/// <summary>
/// What a model that knows nothing scores on the validation split: it knows only the training set's
/// share of delayed flights, predicts the majority class, and gives that share as the probability.
/// Tuning bought whatever the tuned model beats these by.
/// </summary>
/// <param name="MajorityError">Validation error of always predicting the training set's majority class.</param>
/// <param name="BaseLogloss">Validation logloss of always predicting the training set's delay rate.</param>
public sealed record FlightBaseline(
    [property: JsonPropertyName("majority_error")] double MajorityError,
    [property: JsonPropertyName("base_logloss")] double BaseLogloss)
{
    /// <summary>The baseline file written into the experiment folder.</summary>
    public const string FileName = "baseline.json";

    /// <summary>Computes the baseline of <paramref name="valid"/> given <paramref name="train"/>.</summary>
    public static FlightBaseline Compute(FlightData train, FlightData valid)
    {
        double rate = train.DelayedFraction;
        double majority = rate > 0.5 ? 1 : 0;
        double errors = 0, logloss = 0;
        foreach (float label in valid.Labels.Span)
        {
            errors += label == majority ? 0 : 1;
            logloss -= label > 0 ? Math.Log(rate) : Math.Log(1 - rate);
        }
        return new FlightBaseline(errors / valid.Rows, logloss / valid.Rows);
    }

    /// <summary>The baseline as <c>{"majority_error": …, "base_logloss": …}</c>.</summary>
    public string ToJson() => JsonSerializer.Serialize(this);

    /// <summary>Reads a baseline file back.</summary>
    public static FlightBaseline Read(string path) =>
        JsonSerializer.Deserialize<FlightBaseline>(File.ReadAllText(path)) ?? throw new InvalidDataException($"{path} holds no baseline.");
}
