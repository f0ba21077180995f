import Tensor

import Tensor
