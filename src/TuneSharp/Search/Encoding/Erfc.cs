namespace TuneSharp.Search.Encoding;

/// <summary>
/// The complementary error function by W. J. Cody's rational Chebyshev approximations ("Rational Chebyshev
/// approximations for the error function", Math. Comp. 1969; netlib SPECFUN CALERF), accurate to about 1e-16
/// relative. About ten times faster than MathNet's, and the truncated kernels call it for every kernel and candidate.
/// </summary>
internal static class Erfc
{
    private static readonly double[] A = [3.1611237438705656, 113.864154151050156, 377.485237685302021, 3209.37758913846947, 0.185777706184603153];
    private static readonly double[] B = [23.6012909523441209, 244.024637934444173, 1282.61652607737228, 2844.23683343917062];
    private static readonly double[] C =
    [
        0.564188496988670089, 8.88314979438837594, 66.1191906371416295, 298.635138197400131, 881.95222124176909,
        1712.04761263407058, 2051.07837782607147, 1230.33935479799725, 2.15311535474403846e-8,
    ];
    private static readonly double[] D =
    [
        15.7449261107098347, 117.693950891312499, 537.181101862009858, 1621.38957456669019, 3290.79923573345963,
        4362.61909014324716, 3439.36767414372164, 1230.33935480374942,
    ];
    private static readonly double[] P =
    [
        0.305326634961232344, 0.360344899949804439, 0.125781726111229246, 0.0160837851487422766,
        6.58749161529837803e-4, 0.0163153871373020978,
    ];
    private static readonly double[] Q = [2.56852019228982242, 1.87295284992346047, 0.527905102951428412, 0.0605183413124413191, 0.00233520497626869185];
    private const double InvSqrtPi = 0.56418958354775628695;

    public static double Of(double x)
    {
        if (double.IsNaN(x))
            return x;
        double y = Math.Abs(x);
        if (y <= 0.46875)
        {
            double ysq = y > 1.11e-16 ? y * y : 0;
            double num = A[4] * ysq, den = ysq;
            for (int i = 0; i < 3; i++)
            {
                num = (num + A[i]) * ysq;
                den = (den + B[i]) * ysq;
            }
            return 1 - x * (num + A[3]) / (den + B[3]);
        }
        double result;
        if (y <= 4)
        {
            double num = C[8] * y, den = y;
            for (int i = 0; i < 7; i++)
            {
                num = (num + C[i]) * y;
                den = (den + D[i]) * y;
            }
            result = (num + C[7]) / (den + D[7]);
        }
        else if (y >= 26.543)
        {
            return x > 0 ? 0 : 2;
        }
        else
        {
            double ysq = 1 / (y * y);
            double num = P[5] * ysq, den = ysq;
            for (int i = 0; i < 4; i++)
            {
                num = (num + P[i]) * ysq;
                den = (den + Q[i]) * ysq;
            }
            result = (InvSqrtPi - ysq * (num + P[4]) / (den + Q[4])) / y;
        }
        // exp(-y²) in two factors keeps the rounding of y² out of the result (Cody's trick).
        double head = Math.Truncate(y * 16) / 16;
        double rest = (y - head) * (y + head);
        result *= Math.Exp(-head * head) * Math.Exp(-rest);
        return x < 0 ? 2 - result : result;
    }
}
