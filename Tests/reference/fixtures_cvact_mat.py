"""An ACT_data.mat shaped as CVACT ships it, written by scipy.io.savemat (MAT level 5, as MATLAB writes it):
panoIds as a character matrix (one 22-character id per row), utm as an N x 2 double array, and the structs
trainSet.trainInd, valSet.valInd and valSetAll.valInd holding 1-based K x 1 index arrays (trainSet also carries
a second field, as the published file's do). Written to Tests/GeoKitTests/Fixtures/cvact/ACT_data.mat; the
Swift test reads it with libmatio and checks every value against the ones below (also in the test)."""
import pathlib

import numpy as np
import scipy.io

OUT = pathlib.Path(__file__).resolve().parent.parent / "GeoKitTests" / "Fixtures" / "cvact"

IDS = ["__-DFIFxvZBCn1873qkqXA", "_0CdJZQkvU7PLg6qaUBkfw", "zzLLj2NTVYWs1a3Y-cd1wA", "a_short_id"]


def generate():
    OUT.mkdir(parents=True, exist_ok=True)
    utm = np.array([[692000.5, 6090000.25], [692100.0, 6090050.0], [692200.75, 6090100.5], [692300.0, 6090150.0]])
    data = {
        "panoIds": np.array(IDS, dtype="U22"),
        "utm": utm,
        "trainSet": {"trainInd": np.array([[1.0], [3.0]]), "trainLabel": np.array([[0.0], [0.0]])},
        "valSet": {"valInd": np.array([[2.0]])},
        "valSetAll": {"valInd": np.array([[2.0], [4.0]])},
    }
    scipy.io.savemat(str(OUT / "ACT_data.mat"), data, format="5")
    print(f"cvact/ACT_data.mat: {(OUT / 'ACT_data.mat').stat().st_size} bytes")
    return {}
