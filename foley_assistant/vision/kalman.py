"""A constant-velocity Kalman filter for one box, with camera-motion compensation.

State x = [cx, cy, w, h, vx, vy, vw, vh]: the box centre and size in analysis pixels and their
change per frame. The measurement is the box [cx, cy, w, h]. Process and measurement noise scale
with the box's size (as in SORT/DeepSORT): a big, near object moves more pixels per frame than a
small, far one, and its detected box is proportionally less exact.

When the camera moves, the whole picture moves: before predicting, the state is carried through
the camera's frame-to-frame homography H (previous pixels -> current pixels). The centre goes
through H exactly; sizes and velocities through its Jacobian J at the centre (a local affine
map, exact for pan and zoom about the optical axis and for tilt near the centre):

    c' = H(c),  [w', h'] = |diag(J)| [w, h],  v_c' = J v_c,  v_size' = |diag(J)| v_size,
    P' = T P T^T with T = blockdiag(J, |diag J|, J, |diag J|).

So the velocity the filter keeps is the object's own motion, not the camera's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from foley_assistant.vision.camera_motion import jacobian

_F = np.eye(8)
_F[:4, 4:] = np.eye(4)
_H = np.eye(4, 8)


@dataclass(frozen=True)
class KalmanNoise:
    """Standard deviations as fractions of the box size (per frame for the process noise)."""

    position: float = 0.05
    velocity: float = 0.012
    measurement: float = 0.08
    min_size_px: float = 4.0


class BoxKalman:
    """Kalman filter of one tracked box (see the module docstring)."""

    def __init__(self, box: np.ndarray, noise: KalmanNoise) -> None:
        self.noise = noise
        self.x = np.concatenate([box, np.zeros(4)])
        scale = self._scale(box)
        self.P = np.diag(np.concatenate([(2 * noise.measurement * scale) ** 2, (10 * noise.velocity * scale) ** 2]))

    def _scale(self, box: np.ndarray) -> np.ndarray:
        w, h = max(float(box[2]), self.noise.min_size_px), max(float(box[3]), self.noise.min_size_px)
        return np.array([w, h, w, h])

    @property
    def box(self) -> np.ndarray:
        """The current [cx, cy, w, h]."""
        return self.x[:4].copy()

    def compensate(self, homography: np.ndarray) -> None:
        """Carry the state through the camera's move from the previous frame to this one."""
        centre, jac = jacobian(homography, self.x[0], self.x[1])
        sizes = np.abs(np.diag(jac))
        transform = np.zeros((8, 8))
        transform[0:2, 0:2] = jac
        transform[2:4, 2:4] = np.diag(sizes)
        transform[4:6, 4:6] = jac
        transform[6:8, 6:8] = np.diag(sizes)
        x = transform @ self.x
        x[0:2] = centre
        self.x = x
        self.P = transform @ self.P @ transform.T

    def predict(self) -> np.ndarray:
        """Advance one frame; returns the predicted box."""
        scale = self._scale(self.x[:4])
        q = np.concatenate([(self.noise.position * scale) ** 2, (self.noise.velocity * scale) ** 2])
        self.x = _F @ self.x
        self.x[2:4] = np.maximum(self.x[2:4], 1.0)
        self.P = _F @ self.P @ _F.T + np.diag(q)
        return self.box

    def innovation(self, box: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Measurement residual and its covariance for a candidate box."""
        r = np.diag((self.noise.measurement * self._scale(self.x[:4])) ** 2)
        return box - self.x[:4], _H @ self.P @ _H.T + r

    def mahalanobis(self, boxes: np.ndarray) -> np.ndarray:
        """Squared Mahalanobis distance of each candidate box (rows [cx, cy, w, h]) from the prediction."""
        if len(boxes) == 0:
            return np.zeros(0)
        residual, covariance = self.innovation(boxes[0])
        residuals = boxes - self.x[:4]
        solved = np.linalg.solve(covariance, residuals.T)
        return np.einsum("ij,ji->i", residuals, solved)

    def update(self, box: np.ndarray, measured: np.ndarray | None = None) -> None:
        """Correct the state with a measured box; `measured` (4 booleans) says which of cx, cy, w,
        h the measurement holds (the others are left to the prediction)."""
        if measured is not None and not np.all(measured):
            keep = np.flatnonzero(measured)
            if not len(keep):
                return
            h = _H[keep]
            r = np.diag((self.noise.measurement * self._scale(self.x[:4])[keep]) ** 2)
            residual = box[keep] - self.x[:4][keep]
            covariance = h @ self.P @ h.T + r
        else:
            h = _H
            residual, covariance = self.innovation(box)
        gain = self.P @ h.T @ np.linalg.inv(covariance)
        self.x = self.x + gain @ residual
        self.P = (np.eye(8) - gain @ h) @ self.P

    def hold_size(self) -> None:
        """Stop the box's size from changing (while its size is not being measured: a box that
        grew as its object came into view must not go on growing while it is hidden)."""
        self.x[6:8] = 0.0

    def set_velocity(self, velocity: np.ndarray, axes: np.ndarray) -> None:
        """Replace the centre's velocity (pixels per frame) on the given axes (x, y booleans)."""
        for axis in np.flatnonzero(axes):
            self.x[4 + axis] = float(velocity[axis])

    @property
    def spread(self) -> np.ndarray:
        """Standard deviation of the centre (x, y) in pixels."""
        return np.sqrt(np.maximum(np.diag(self.P)[:2], 0.0))
