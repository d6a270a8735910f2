#include "runtime/graph.h"

#include <atomic>
#include <cctype>
#include <sstream>
#include <stdexcept>

namespace vkg {

Graph::Graph(int n_tokens) : n_tokens_(n_tokens) {
  static std::atomic<uint64_t> next_id{1};
  id_ = next_id++;
}

TensorId Graph::add_tensor(TensorDesc desc) {
  // Rows of whole blocks (model loaders check their files; this holds for every graph): kernels index by block.
  const int64_t block = dtype_info(desc.dtype).block_elems;
  if (!desc.shape.empty() && block > 1 && desc.cols() % block != 0)
    throw std::runtime_error("tensor '" + desc.name + "' (" + dtype_name(desc.dtype) + ") has rows of " +
                             std::to_string(desc.cols()) + " values, not whole blocks of " + std::to_string(block));
  tensors_.push_back(std::move(desc));
  return static_cast<TensorId>(tensors_.size() - 1);
}

TensorId Graph::add_node(const std::string& name, std::vector<TensorId> inputs, OpParams params) {
  Node node{name, std::move(inputs), kNoTensor, params};
  std::vector<const TensorDesc*> in;
  for (TensorId id : node.inputs) in.push_back(&tensor(id));
  TensorDesc out;
  out.name = name;
  out.shape = infer_output_shape(node, in);
  out.dtype = DType::F32;
  out.role = TensorRole::activation;
  node.output = add_tensor(std::move(out));
  nodes_.push_back(std::move(node));
  return nodes_.back().output;
}

TensorId Graph::add_node_into(const std::string& name, std::vector<TensorId> inputs, OpParams params,
                              TensorId output) {
  Node node{name, std::move(inputs), output, params};
  std::vector<const TensorDesc*> in;
  for (TensorId id : node.inputs) in.push_back(&tensor(id));
  if (infer_output_shape(node, in) != tensor(output).shape)
    throw std::runtime_error("node '" + name + "': output '" + tensor(output).name + "' has the wrong shape");
  nodes_.push_back(std::move(node));
  return output;
}

std::vector<int> Graph::last_uses() const {
  std::vector<int> last(tensors_.size(), -1);
  for (size_t i = 0; i < nodes_.size(); ++i)
    for (TensorId in : nodes_[i].inputs) last[static_cast<size_t>(in)] = static_cast<int>(i);
  return last;
}

void Graph::mark_output(TensorId id) { tensors_.at(static_cast<size_t>(id)).role = TensorRole::output; }

std::string Graph::to_string() const {
  std::ostringstream s;
  size_t n_weights = 0;
  int64_t weight_bytes = 0;
  for (const TensorDesc& t : tensors_)
    if (t.role == TensorRole::weight) {
      ++n_weights;
      weight_bytes += row_bytes(t.dtype, t.cols()) * t.rows();
    }
  s << "graph for " << n_tokens_ << " new token(s): " << nodes_.size() << " nodes, " << n_weights << " weights ("
    << weight_bytes / (1024 * 1024) << " MiB)\n";
  for (const TensorDesc& t : tensors_)
    if (t.role == TensorRole::input || t.role == TensorRole::kv_cache)
      s << "  " << tensor_role_name(t.role) << " " << t.name << " " << t.shape_string() << " " << dtype_name(t.dtype)
        << "\n";
  for (const Node& n : nodes_) {
    s << "  " << n.name << " = " << op_name(n.op()) << "(";
    for (size_t i = 0; i < n.inputs.size(); ++i) {
      const TensorDesc& t = tensor(n.inputs[i]);
      s << (i ? ", " : "") << t.name;
      if (t.role == TensorRole::weight) s << ":" << dtype_name(t.dtype);
    }
    s << ") -> " << tensor(n.output).shape_string();
    std::string p = params_string(n.params);
    if (!p.empty()) s << "  " << p;
    s << "\n";
  }
  return s.str();
}

std::string profile_key(const Graph& g, const Node& node) {
  const OpInfo& info = op_info(node.op());
  std::string key = info.name;
  if (info.typed_by >= 0) {
    std::string type = dtype_name(g.tensor(node.inputs[static_cast<size_t>(info.typed_by)]).dtype);
    for (char& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    key += " " + type;
  }
  return key;
}

}  // namespace vkg
